//! A `volcano.sh/hierarchy-weights` element as Volcano reads it: Go's
//! `strconv.ParseFloat(w, 64)`, then `<= 0` is refused. V3 needs only the
//! outcome, so this decides it from the text with exact integer arithmetic
//! instead of parsing a float: `str::parse::<f64>` linked ~16 KB of float
//! parsing code and power-of-five tables into the policy module for this
//! one annotation.
//!
//! The grammar is Rust's `f64::from_str` (`inf`, `infinity`, `nan` in any
//! case, or `[+-]? digits [. digits] [e [+-]? digits]`), as before; Go also
//! accepts hex floats and `_` separators, which this refuses (a known gap).
//! Rounding is IEEE round-half-even: a value reaching `2^1024 - 2^970` (half
//! an ULP above the largest double) is out of range, one at or below
//! `2^-1075` (half the smallest subnormal) becomes zero.

use std::cmp::Ordering;

use crate::big::Big;

/// What `strconv.ParseFloat` makes of a weight, as far as V3 cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// A number above zero (`+Inf` and `NaN` included: `NaN <= 0` is false).
    Positive,
    /// Zero (also after underflow), negative, or `-Inf`.
    NotPositive,
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`: a finite number that rounds to ±Inf.
    Range,
}

/// Significant digits compared exactly; the rest only count as "non-zero".
/// More than the 752 significant digits of `2^-1075`, so truncation never
/// turns a value below a threshold into one at it.
const KEEP: usize = 800;

fn digits<'a>(b: &'a [u8], i: &mut usize) -> &'a [u8] {
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    &b[start..*i]
}

/// Reads one weight.
pub fn classify(s: &str) -> Weight {
    let b = s.as_bytes();
    let (negative, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return if negative {
            Weight::NotPositive
        } else {
            Weight::Positive
        };
    }
    if body.eq_ignore_ascii_case(b"nan") {
        return Weight::Positive;
    }
    let mut i = 0;
    let int = digits(body, &mut i);
    let frac = if body.get(i) == Some(&b'.') {
        i += 1;
        digits(body, &mut i)
    } else {
        &[]
    };
    if int.is_empty() && frac.is_empty() {
        return Weight::Syntax;
    }
    let mut exp = 0i64;
    if matches!(body.get(i), Some(b'e' | b'E')) {
        i += 1;
        let minus = body.get(i) == Some(&b'-');
        if matches!(body.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let e = digits(body, &mut i);
        if e.is_empty() {
            return Weight::Syntax;
        }
        // Beyond a billion the outcome no longer depends on the exponent.
        exp = e
            .iter()
            .fold(0i64, |acc, d| (acc * 10 + (d - b'0') as i64).min(1_000_000_000));
        if minus {
            exp = -exp;
        }
    }
    if i != body.len() {
        return Weight::Syntax;
    }

    // value = sig * 10^q, sig without leading or trailing zeros.
    let all: Vec<u8> = [int, frac].concat();
    let Some(first) = all.iter().position(|&d| d != b'0') else {
        return Weight::NotPositive; // ±0
    };
    let last = all.iter().rposition(|&d| d != b'0').unwrap_or(first);
    let sig = &all[first..=last];
    let q = exp - frac.len() as i64 + (all.len() - 1 - last) as i64;
    // 10^(mag-1) <= value < 10^mag
    let mag = sig.len() as i64 + q;

    let out_of_range = match mag {
        310.. => true,
        309 => {
            // 2^1024 - 2^970 = (2^54 - 1) * 2^970; a tie rounds to +Inf.
            let mut limit = Big::from_digits(b"18014398509481983");
            limit.mul_pow2(970);
            compare(sig, q, limit, 0) != Ordering::Less
        }
        _ => false,
    };
    if out_of_range {
        return Weight::Range;
    }
    let zero = match mag {
        ..=-324 => true,
        -323 => {
            // 2^-1075 = 5^1075 * 10^-1075; a tie rounds to zero (even).
            let mut limit = Big::from_digits(b"1");
            for _ in 0..1075 {
                limit.mul_add(5, 0);
            }
            compare(sig, q, limit, -1075) != Ordering::Greater
        }
        _ => false,
    };
    if zero || negative {
        Weight::NotPositive
    } else {
        Weight::Positive
    }
}

/// The reference [`classify`] is held to: Rust's own float parser, then
/// V3's `<= 0`. For tests and the fuzz targets only; calling it from the
/// policy would link the float parser back in.
#[doc(hidden)]
pub fn classify_by_parsing(s: &str) -> Weight {
    match s.parse::<f64>() {
        Err(_) => Weight::Syntax,
        Ok(f) if f.is_infinite() && !s.to_ascii_lowercase().contains("inf") => Weight::Range,
        Ok(f) if f <= 0.0 => Weight::NotPositive,
        Ok(_) => Weight::Positive,
    }
}

/// Orders `sig * 10^q` against `limit * 10^e`, keeping [`KEEP`] digits of
/// `sig`; dropped digits are non-zero (no trailing zeros), so a tie of the
/// kept part means `sig * 10^q` is greater.
fn compare(sig: &[u8], q: i64, mut limit: Big, e: i64) -> Ordering {
    let kept = &sig[..sig.len().min(KEEP)];
    let q = q + (sig.len() - kept.len()) as i64;
    let mut value = Big::from_digits(kept);
    if q >= e {
        value.mul_pow10((q - e) as u64);
    } else {
        limit.mul_pow10((e - q) as u64);
    }
    value.cmp(&limit).then(if kept.len() < sig.len() {
        Ordering::Greater
    } else {
        Ordering::Equal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_float_parsing_on_the_edges() {
        let mut cases: Vec<String> = [
            "1", "0", "-0", "+0", "0.0", ".5", "5.", ".", "", "-", "+", "e5", "1e", "1e+", "1e-", "1.5e3", "1E3",
            "-1", "+1", "--1", "+-1", "1e999", "-1e999", "1e-999", "-1e-999", "inf", "-inf", "+Infinity",
            "INF", "nan", "NaN", "-nan", "infinit", "1.2.3", "1e5e5", "0x10", "1_000", " 1", "1 ", "١",
            "00000.0000001", "1e1000000000000000000000", "1e-1000000000000000000000", "0e999999",
            "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
            "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
            "2.47032822920623272e-324", "2.470328229206232720882538e-324", "1e-324", "3e-324", "-2.5e-324",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // The exact thresholds, and a hair either side of each.
        let half_max = {
            let mut b = Big::from_digits(b"18014398509481983");
            b.mul_pow2(970);
            big_to_string(b)
        };
        let half_min = {
            let mut b = Big::from_digits(b"1");
            for _ in 0..1075 {
                b.mul_add(5, 0);
            }
            format!(
                "0.{}{}",
                "0".repeat(1075 - big_to_string(b.clone()).len()),
                big_to_string(b)
            )
        };
        for t in [&half_max, &half_min] {
            cases.push(t.clone());
            cases.push(format!("{t}1"));
            cases.push(format!("{t}00000"));
            cases.push(format!("-{t}"));
        }
        cases.push(format!("{}9", &half_max[..half_max.len() - 1]));
        cases.push(format!("{}0", &half_max[..half_max.len() - 1]));
        cases.push(format!("{}0e0", &half_max[..half_max.len() - 1]));
        cases.push(format!("{}.{}", &half_max[..1], &half_max[1..]) + "e308");
        cases.push(format!("{}{}", &half_min[..half_min.len() - 1], "4"));
        cases.push(format!("{}{}", &half_min[..half_min.len() - 1], "6"));
        for s in &cases {
            assert_eq!(classify(s), classify_by_parsing(s), "{s:?}");
        }
    }

    fn big_to_string(mut b: Big) -> String {
        let mut out = Vec::new();
        while b != Big::default() {
            let mut q = b.clone();
            q.div_pow10(1);
            let mut back = q.clone();
            back.mul_pow10(1);
            // b - back is the last digit
            let mut d = 0u8;
            let mut t = back.clone();
            while t != b {
                t.mul_add(1, 1);
                d += 1;
            }
            out.push(b'0' + d);
            b = q;
        }
        out.reverse();
        String::from_utf8(out).unwrap()
    }
}
