//! A `volcano.sh/hierarchy-weights` element as Volcano reads it: Go's
//! `strconv.ParseFloat(w, 64)`, then `<= 0` is refused. V3 needs only the
//! outcome, so this decides it from the text with exact integer arithmetic
//! instead of parsing a float: `str::parse::<f64>` linked ~16 KB of float
//! parsing code and power-of-five tables into the policy module for this
//! one annotation.
//!
//! The grammar is Go's: `inf`, `infinity` (optionally signed) and `nan`
//! (unsigned) in any case; decimal `[+-]? digits [. digits] [e [+-]? digits]`;
//! hexadecimal `[+-]? 0x hexdigits [. hexdigits] p [+-]? digits`; and `_`
//! between digits (Go's `underscoreOK`). Rounding is IEEE round-half-even: a
//! value reaching `2^1024 - 2^970` (half an ULP above the largest double) is
//! out of range, one at or below `2^-1075` (half the smallest subnormal)
//! becomes zero. `tests/data/go-parsefloat.json` holds Go's own answers
//! (`scripts/go/parsefloat.go`); the decimal part is also held to Rust's float
//! parser, which agrees with Go there.

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

/// The run of bytes from `*i` that `pred` accepts; `*i` moves past it.
fn run<'a>(b: &'a [u8], i: &mut usize, pred: fn(&u8) -> bool) -> &'a [u8] {
    let start = *i;
    while b.get(*i).is_some_and(pred) {
        *i += 1;
    }
    &b[start..*i]
}

fn digits<'a>(b: &'a [u8], i: &mut usize) -> &'a [u8] {
    run(b, i, u8::is_ascii_digit)
}

/// Reads one weight.
pub fn classify(s: &str) -> Weight {
    if let Some(w) = special(s.as_bytes()) {
        return w;
    }
    // Go allows `_` between digits (and after a `0x`), checked on the whole
    // text first; once they pass, the number reads as if they were not there.
    if s.contains('_') {
        if !underscores_ok(s.as_bytes()) {
            return Weight::Syntax;
        }
        let plain: Vec<u8> = s.bytes().filter(|&c| c != b'_').collect();
        return number(&plain);
    }
    number(s.as_bytes())
}

/// Splits off one leading sign.
fn sign(b: &[u8]) -> (bool, &[u8]) {
    match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    }
}

/// Go's `special`: `inf` or `infinity` with an optional sign, `nan` without
/// one, in any case. (`+nan` and `-nan` are syntax errors in Go.)
fn special(b: &[u8]) -> Option<Weight> {
    let (negative, body) = sign(b);
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(if negative {
            Weight::NotPositive
        } else {
            Weight::Positive
        });
    }
    b.eq_ignore_ascii_case(b"nan").then_some(Weight::Positive)
}

/// Go's `underscoreOK`: each `_` follows a digit (or the `0x`/`0b`/`0o`
/// prefix) and is followed by one; hex letters are digits after `0x`.
fn underscores_ok(b: &[u8]) -> bool {
    let (_, b) = sign(b);
    // what came last: a digit or prefix, an underscore, anything else, nothing yet
    #[derive(PartialEq)]
    enum Saw {
        Digit,
        Underscore,
        Other,
        Start,
    }
    let mut saw = Saw::Start;
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = Saw::Digit;
        hex = b[1] | 0x20 == b'x';
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || hex && (c | 0x20).is_ascii_hexdigit() {
            saw = Saw::Digit;
        } else if c == b'_' {
            if saw != Saw::Digit {
                return false;
            }
            saw = Saw::Underscore;
        } else if saw == Saw::Underscore {
            return false;
        } else {
            saw = Saw::Other;
        }
    }
    saw != Saw::Underscore
}

/// A number without `_`: hexadecimal after `0x` (with at least one more
/// character, as Go checks), else decimal.
fn number(b: &[u8]) -> Weight {
    let (negative, body) = sign(b);
    if body.len() > 2 && body[0] == b'0' && body[1] | 0x20 == b'x' {
        return hex(negative, &body[2..]);
    }
    decimal(negative, body)
}

fn hex_digits<'a>(b: &'a [u8], i: &mut usize) -> &'a [u8] {
    run(b, i, u8::is_ascii_hexdigit)
}

fn hex_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        _ => u32::from((c | 0x20) - b'a' + 10),
    }
}

/// An exponent's `[+-]? digits` from `*i`, saturated: beyond a billion the
/// outcome no longer depends on them. `None` when there is no digit.
fn exponent_at(b: &[u8], i: &mut usize) -> Option<i64> {
    let minus = b.get(*i) == Some(&b'-');
    if matches!(b.get(*i), Some(b'-' | b'+')) {
        *i += 1;
    }
    let e = digits(b, i);
    if e.is_empty() {
        return None;
    }
    let exp = e
        .iter()
        .fold(0i64, |acc, d| (acc * 10 + i64::from(d - b'0')).min(1_000_000_000));
    Some(if minus { -exp } else { exp })
}

/// The `int [. frac]` digit runs of a mantissa from `*i`, read by `run`.
fn mantissa<'a>(
    b: &'a [u8],
    i: &mut usize,
    run: fn(&'a [u8], &mut usize) -> &'a [u8],
) -> (&'a [u8], &'a [u8]) {
    let int = run(b, i);
    let frac = if b.get(*i) == Some(&b'.') {
        *i += 1;
        run(b, i)
    } else {
        &[]
    };
    (int, frac)
}

/// A hex float after its `0x`: `H [. H] p [+-] D` (Go requires the `p`
/// exponent), valued `M * 2^E` for the hex digits `M`. Decided from the bits:
/// out of range from `2^1024 - 2^970` (`(2^54 - 1) * 2^970`: 54 leading one
/// bits at the top), zero up to `2^-1075`, as in [`decimal`].
fn hex(negative: bool, b: &[u8]) -> Weight {
    let mut i = 0;
    let (int, frac) = mantissa(b, &mut i, hex_digits);
    if int.is_empty() && frac.is_empty() || !matches!(b.get(i), Some(b'p' | b'P')) {
        return Weight::Syntax;
    }
    i += 1;
    let Some(exp) = exponent_at(b, &mut i) else {
        return Weight::Syntax;
    };
    if i != b.len() {
        return Weight::Syntax;
    }
    let scale = exp - 4 * frac.len() as i64;
    // the digits int ++ frac, read in place
    let n = int.len() + frac.len();
    let digit = |k: usize| {
        hex_value(if k < int.len() {
            int[k]
        } else {
            frac[k - int.len()]
        })
    };
    let Some(lead) = (0..n).find(|&k| digit(k) != 0) else {
        return Weight::NotPositive; // ±0
    };
    let first = digit(lead);
    let first_bits = 32 - first.leading_zeros();
    // 2^(top - 1) <= value < 2^top
    let top = i64::from(first_bits) + 4 * (n - lead - 1) as i64 + scale;
    let out_of_range = top > 1024
        || top == 1024 && {
            let mut ones = (first << (32 - first_bits)).leading_ones();
            let mut k = lead + 1;
            while ones == first_bits + 4 * (k - lead - 1) as u32 && ones < 54 && k < n {
                ones += (digit(k) << 28).leading_ones();
                k += 1;
            }
            ones >= 54
        };
    if out_of_range {
        return Weight::Range;
    }
    let power_of_two = first.is_power_of_two() && (lead + 1..n).all(|k| digit(k) == 0);
    let zero = top <= -1075 || top == -1074 && power_of_two;
    if zero || negative {
        Weight::NotPositive
    } else {
        Weight::Positive
    }
}

/// A decimal number after its sign, as Rust's and Go's parsers share it.
fn decimal(negative: bool, body: &[u8]) -> Weight {
    let mut i = 0;
    let (int, frac) = mantissa(body, &mut i, digits);
    if int.is_empty() && frac.is_empty() {
        return Weight::Syntax;
    }
    let mut exp = 0i64;
    if matches!(body.get(i), Some(b'e' | b'E')) {
        i += 1;
        let Some(e) = exponent_at(body, &mut i) else {
            return Weight::Syntax;
        };
        exp = e;
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
/// V3's `<= 0`, with Go's differences from it: `nan` takes no sign, `_`
/// separators (checked by the same [`underscores_ok`], which the Go table
/// tests), and hex floats, read by writing their exact value in decimal for
/// Rust's parser. For tests and the fuzz targets only; calling it from the
/// policy would link the float parser back in.
#[doc(hidden)]
pub fn classify_by_parsing(s: &str) -> Weight {
    let (signed, body) = match s.strip_prefix(['+', '-']) {
        Some(body) => (true, body),
        None => (false, s),
    };
    if signed && body.eq_ignore_ascii_case("nan") {
        return Weight::Syntax;
    }
    if s.contains('_') {
        return if underscores_ok(s.as_bytes()) {
            classify_by_parsing(&s.replace('_', ""))
        } else {
            Weight::Syntax
        };
    }
    let text = if body.len() > 2 && body.as_bytes()[0] == b'0' && body.as_bytes()[1] | 0x20 == b'x' {
        match hex_in_decimal(&body[2..]) {
            Some(decimal) => format!("{}{decimal}", &s[..s.len() - body.len()]),
            None => return Weight::Syntax,
        }
    } else {
        s.to_string()
    };
    match text.parse::<f64>() {
        Err(_) => Weight::Syntax,
        Ok(f) if f.is_infinite() && !text.to_ascii_lowercase().contains("inf") => Weight::Range,
        Ok(f) if f <= 0.0 => Weight::NotPositive,
        Ok(_) => Weight::Positive,
    }
}

/// The exact value of a hex float (after `0x`) as a decimal string, by
/// schoolbook arithmetic in base 10^9 (independent of [`hex`]'s bit
/// reasoning); `None` for a syntax error. Values far outside the double
/// range are cut to `1e999` / `0`.
fn hex_in_decimal(b: &str) -> Option<String> {
    let (mantissa, exp) = b.split_once(['p', 'P'])?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let hex = |t: &str| t.bytes().all(|c| c.is_ascii_hexdigit());
    let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    if int.is_empty() && frac.is_empty()
        || !hex(int)
        || !hex(frac)
        || digits.is_empty()
        || !digits.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let exp: i64 = exp
        .parse()
        .unwrap_or(if exp.starts_with('-') { -1 << 40 } else { 1 << 40 });
    let mut limbs: Vec<u64> = vec![0]; // little-endian, base 10^9
    let mul_add = |limbs: &mut Vec<u64>, m: u64, a: u64| {
        let mut carry = a;
        for l in limbs.iter_mut() {
            let v = *l * m + carry;
            *l = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    };
    for c in int.bytes().chain(frac.bytes()) {
        mul_add(&mut limbs, 16, u64::from(hex_value(c)));
    }
    if limbs.iter().all(|&l| l == 0) {
        return Some("0".into());
    }
    let scale = exp - 4 * frac.len() as i64;
    let bits = 64 * limbs.len() as i64;
    if scale > 1100 {
        return Some("1e999".into());
    }
    if scale + bits < -1200 {
        return Some("0".into());
    }
    let m = if scale >= 0 { 2 } else { 5 };
    for _ in 0..scale.unsigned_abs() {
        mul_add(&mut limbs, m, 0);
    }
    let mut text = limbs.last().map(u64::to_string).unwrap_or_default();
    for l in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{l:09}"));
    }
    if scale < 0 {
        text.push_str(&format!("e{scale}"));
    }
    Some(text)
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
