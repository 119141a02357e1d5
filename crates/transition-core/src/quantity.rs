//! Kubernetes resource quantities (`resource.Quantity`), parsed, compared and
//! printed as Kubernetes does, with exact integer arithmetic (no floats).
//!
//! A quantity is held as a signed number of nano-units (`i128`). Kubernetes
//! rounds every parsed value *up* (away from zero) to the nearest nano-unit
//! and caps its magnitude at `2^63 - 1` units; this type does the same, so
//! `Cmp` and equality agree with Go (`1000m == 1`, `1Ki == 1024`).
//!
//! Grammar (as `resource.ParseQuantity`): `[+-]? digits [. digits] suffix`,
//! where `suffix` is a binary SI suffix (`Ki Mi Gi Ti Pi Ei`), a decimal SI
//! suffix (`n u m "" k M G T P E`) or a decimal exponent (`e3`, `E-2`).
//! Like Go, `.5` and `5.` are accepted; unlike Go's lenient parser, a string
//! with no digit at all (`-`, `.`) is refused, as the CRD pattern refuses it.

use std::cmp::Ordering;
use std::fmt;

use crate::big::Big;

/// Nano-units per unit.
const NANO: i128 = 1_000_000_000;
/// Largest magnitude Kubernetes keeps: `2^63 - 1` units.
const MAX_UNITS: i128 = i64::MAX as i128;
const MAX_NANOS: i128 = MAX_UNITS * NANO;

/// How a quantity was written; decides its canonical printed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Ki`, `Mi`, ...: printed with binary suffixes when exact and ≥ 1024.
    BinarySI,
    /// no suffix or `n u m k M G T P E`.
    DecimalSI,
    /// `e<n>` / `E<n>`.
    DecimalExponent,
}

/// Why a string is not a quantity (Go: `ErrFormatWrong`, `ErrSuffix`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantity is empty")]
    Empty,
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    Format,
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

/// One Kubernetes quantity.
#[derive(Debug, Clone)]
pub struct Quantity {
    nanos: i128,
    format: Format,
    /// The input string, when Go's `ParseQuantity` keeps it as the cached
    /// `String()` form (its fast path for already-canonical input).
    cached: Option<String>,
}

impl PartialEq for Quantity {
    /// Semantic equality (`Cmp == 0`), as `equality.Semantic` compares quantities.
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}
impl Eq for Quantity {}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

/// Significant digits kept exactly; anything after only matters as "non-zero"
/// (it is far below a nano-unit once the magnitude checks have passed).
const KEEP_DIGITS: usize = 60;

impl Quantity {
    /// Parses a quantity string exactly as `resource.ParseQuantity` does
    /// (values rounded up to `1n`, magnitude capped at `2^63-1`).
    ///
    /// Errors: [`QuantityError::Empty`], [`QuantityError::Format`] for a bad
    /// number or exponent, [`QuantityError::Suffix`] for an unknown suffix.
    pub fn parse(s: &str) -> Result<Self, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::Empty);
        }
        let b = s.as_bytes();
        let mut pos = 0;
        let negative = match b[0] {
            b'-' => {
                pos = 1;
                true
            }
            b'+' => {
                pos = 1;
                false
            }
            _ => false,
        };
        let int_start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &s[int_start..pos];
        let mut frac_digits = "";
        if pos < b.len() && b[pos] == b'.' {
            pos += 1;
            let f = pos;
            while pos < b.len() && b[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &s[f..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(QuantityError::Format);
        }
        let suffix = &s[pos..];
        // Go first checks the suffix's shape: letters from a fixed set, an
        // optional sign, then digits only.
        let sb = suffix.as_bytes();
        let mut i = 0;
        while i < sb.len() && b"eEinumkKMGTP".contains(&sb[i]) {
            i += 1;
        }
        if i < sb.len() && (sb[i] == b'-' || sb[i] == b'+') {
            i += 1;
        }
        if !sb[i..].iter().all(u8::is_ascii_digit) {
            return Err(QuantityError::Format);
        }
        let (base2, exponent, format) = interpret_suffix(suffix).ok_or(QuantityError::Suffix)?;

        // digits = int_digits ++ frac_digits, value = digits * 10^(exp10) * 2^exp2;
        // the significant digits are `num ++ frac_sig` (not joined: no allocation).
        let num = strip_zeros(int_digits);
        let frac_sig = if num.is_empty() {
            strip_zeros(frac_digits)
        } else {
            frac_digits
        };
        let (exp10, exp2): (i64, u32) = if base2 {
            (-(frac_digits.len() as i64), exponent as u32)
        } else {
            (exponent - frac_digits.len() as i64, 0)
        };
        let magnitude = exact_nanos_of(num, frac_sig, exp10 + 9, exp2);
        let nanos = if negative { -magnitude } else { magnitude };
        let cached = go_cached_form(s, num, frac_digits, base2, exponent, format);
        Ok(Quantity {
            nanos,
            format,
            cached,
        })
    }

    /// A quantity of `units` whole units, in `format`.
    pub fn from_units(units: i64, format: Format) -> Self {
        Quantity {
            nanos: units as i128 * NANO,
            format,
            cached: None,
        }
    }

    /// A quantity of `milli` thousandths, printed as decimal SI (`1500m`).
    pub fn from_milli(milli: i64) -> Self {
        Quantity {
            nanos: milli as i128 * 1_000_000,
            format: Format::DecimalSI,
            cached: None,
        }
    }

    /// The exact value in nano-units.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Go `Value()`: whole units, rounded up (towards +∞ for positive values,
    /// as `ScaledValue(0)` rounds away from zero).
    pub fn value(&self) -> i128 {
        ceil_away(self.nanos, NANO)
    }

    /// Go `MilliValue()`: thousandths, rounded away from zero.
    pub fn milli_value(&self) -> i128 {
        ceil_away(self.nanos, 1_000_000)
    }

    /// The canonical form Kubernetes prints (`1Gi`, `2`, `500m`, `1e3`),
    /// ignoring how the input was spelled.
    pub fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".into();
        }
        let mut format = self.format;
        if format == Format::BinarySI {
            if self.nanos > -1024 * NANO && self.nanos < 1024 * NANO || self.nanos % NANO != 0 {
                format = Format::DecimalSI;
            } else {
                let mut v = self.nanos / NANO;
                let mut exp = 0;
                while v % 1024 == 0 && exp < 6 {
                    v /= 1024;
                    exp += 1;
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exp];
                return format!("{v}{suffix}");
            }
        }
        // mantissa * 10^exp, trailing zeros removed, exponent floored to a multiple of 3
        let mut m = self.nanos;
        let mut exp: i32 = -9;
        while m % 10 == 0 {
            m /= 10;
            exp += 1;
        }
        let floor3 = exp.div_euclid(3) * 3;
        for _ in floor3..exp {
            m *= 10;
        }
        let suffix = if floor3 == 0 {
            String::new()
        } else if format == Format::DecimalExponent {
            format!("e{floor3}")
        } else {
            match floor3 {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            }
            .to_string()
        };
        format!("{m}{suffix}")
    }
}

impl fmt::Display for Quantity {
    /// Go's `Quantity.String()`: the canonical form, except that Go keeps the
    /// input text when its fast path judged it canonical already (so `+1`
    /// prints as `+1`, `1E3` as `1E3`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cached {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

fn ceil_away(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d == 0 {
        q
    } else if n > 0 {
        q + 1
    } else {
        q - 1
    }
}

/// Returns (is binary, exponent, format) for a suffix (Go `suffixer.interpret`).
fn interpret_suffix(s: &str) -> Option<(bool, i64, Format)> {
    let dec = |e| Some((false, e, Format::DecimalSI));
    let bin = |e| Some((true, e, Format::BinarySI));
    match s {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ if s.len() > 1 && (s.starts_with('e') || s.starts_with('E')) => {
            // Go: strconv.ParseInt(suffix[1:], 10, 64), then int32()
            let rest = &s[1..];
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let e: i64 = rest.parse().ok()?;
            Some((false, e as i32 as i64, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// `s` without its leading `0`s.
fn strip_zeros(s: &str) -> &str {
    &s[s.bytes().take_while(|&c| c == b'0').count()..]
}

/// `ceil(sig * 10^k * 2^b)` in nano-units, capped; `sig` is a digit string
/// without leading zeros (empty = 0).
#[cfg(test)]
fn exact_nanos(sig: &str, k: i64, b: u32) -> i128 {
    exact_nanos_of(sig, "", k, b)
}

/// [`exact_nanos`] of the digits `int ++ frac` (`int` empty or starting
/// with a non-zero digit; `frac` too when `int` is empty).
fn exact_nanos_of(int: &str, frac: &str, k: i64, b: u32) -> i128 {
    let n = (int.len() + frac.len()) as i64;
    if n == 0 {
        return 0;
    }
    // value >= 10^(n-1+k): beyond the cap (< 10^28) once n-1+k >= 28.
    if n - 1 + k >= 28 {
        return MAX_NANOS;
    }
    // value < 10^(n+k) * 2^60 < 10^(n+k+19): below one nano-unit.
    if n + k + 19 <= 0 {
        return 1;
    }
    if let Some(v) = small_nanos(int, frac, k, b) {
        return v;
    }
    big_nanos(&[int, frac].concat(), k, b)
}

/// [`exact_nanos_of`] in `u128` for what quantities usually are (a few
/// digits, a suffix): at most 18 significant digits, so `digits * 2^b <
/// 2^120`, and a power of ten that fits. `None` hands the rest to [`big_nanos`].
/// The arithmetic stays in `u64` while it fits: wasm32 has no 128-bit
/// multiply, so each `u128` one is a library call.
fn small_nanos(int: &str, frac: &str, k: i64, b: u32) -> Option<i128> {
    if int.len() + frac.len() > 18 || b > 60 {
        return None;
    }
    // at most 18 digits: below 10^18 < 2^60
    let digits = (int.bytes().chain(frac.bytes())).fold(0u64, |v, c| v * 10 + u64::from(c - b'0'));
    let v = u128::from(digits) << b;
    let p = pow10(u32::try_from(k.unsigned_abs()).ok()?)?;
    let exact = match (u64::try_from(v), u64::try_from(p)) {
        (Ok(v), Ok(p)) if k < 0 => u128::from(v / p + u64::from(!v.is_multiple_of(p))),
        (Ok(v), Ok(p)) => match v.checked_mul(p) {
            Some(x) => u128::from(x),
            None => u128::from(v).checked_mul(u128::from(p))?,
        },
        _ if k < 0 => v / p + u128::from(!v.is_multiple_of(p)),
        _ => v.checked_mul(p)?,
    };
    Some(if exact > MAX_NANOS as u128 {
        MAX_NANOS
    } else {
        exact as i128
    })
}

/// `10^k`, or `None` past `u128`.
fn pow10(k: u32) -> Option<u128> {
    if k <= 19 {
        Some(u128::from(10u64.pow(k)))
    } else {
        10u128.checked_pow(k)
    }
}

/// [`exact_nanos`] for any digit string, in big-integer arithmetic.
fn big_nanos(sig: &str, k: i64, b: u32) -> i128 {
    let (kept, rest) = sig.split_at(sig.len().min(KEEP_DIGITS));
    let sticky = rest.bytes().any(|c| c != b'0');
    let k = k + rest.len() as i64;
    let mut big = Big::from_digits(kept.as_bytes());
    big.mul_pow2(b);
    let inexact = if k >= 0 {
        big.mul_pow10(k as u64);
        sticky
    } else {
        big.div_pow10(k.unsigned_abs()) | sticky
    };
    let v = match big.to_u128() {
        Some(v) if v <= MAX_NANOS as u128 => v as i128,
        _ => return MAX_NANOS,
    };
    let v = if inexact { v + 1 } else { v };
    v.min(MAX_NANOS)
}

/// Go's `ParseQuantity` keeps the input string as the cached `String()` when
/// its int64 fast path applies and the input already looks canonical.
fn go_cached_form(
    s: &str,
    num: &str,
    denom: &str,
    base2: bool,
    exponent: i64,
    format: Format,
) -> Option<String> {
    if s == "0" {
        return Some(s.into());
    }
    let num = if num.is_empty() { "0" } else { num };
    let (precision, mut scale) = if base2 {
        if denom.is_empty() {
            (15 - num.len() as i64 - (exponent * 3 / 10) - 1, 0)
        } else {
            (-1, 0)
        }
    } else {
        (18 - (num.len() + denom.len()) as i64, exponent)
    };
    if precision < 0 {
        return None;
    }
    scale -= denom.len() as i64;
    if scale < -9 {
        return None;
    }
    // `shifted` is `num ++ denom`, read without joining them
    let shifted = || num.bytes().chain(denom.bytes());
    let value = shifted().try_fold(0i64, |v, c| v.checked_mul(10)?.checked_add(i64::from(c - b'0')))?;
    let mantissa: i64 = if base2 {
        1i64.checked_shl(exponent as u32)?
    } else {
        1
    };
    value.checked_mul(mantissa)?;
    let reuse = match format {
        Format::BinarySI => exponent % 10 == 0 && value & 0x07 != 0,
        _ => {
            let trailing_zeros = shifted().rev().take_while(|&c| c == b'0').take(3).count();
            scale % 3 == 0 && trailing_zeros < 3 && !num.starts_with('0')
        }
    };
    reuse.then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// `exact_nanos` one digit, one doubling and one power of ten at a time:
    /// the reference its chunked steps are held to.
    fn nanos_digit_by_digit(sig: &str, mut k: i64, b: u32) -> Option<u128> {
        let mut big = Big::default();
        for c in sig.bytes() {
            big.mul_add(10, (c - b'0') as u32);
        }
        for _ in 0..b {
            big.mul_add(2, 0);
        }
        let mut inexact = false;
        while k > 0 {
            big.mul_add(10, 0);
            k -= 1;
        }
        while k < 0 {
            inexact |= big.div_pow10(1);
            k += 1;
        }
        Some(big.to_u128()? + inexact as u128)
    }

    #[test]
    fn chunked_arithmetic_agrees_with_digit_by_digit() {
        let sigs = [
            "1",
            "7",
            "999",
            "1024",
            "123456789",
            "1234567891",
            "18446744073",
            "999999999999999999",
            "9223372036854775807",
            "18446744073709551615",
            "340282366920938463463374607431768211455",
        ];
        let mut compared = 0;
        let mut small_compared = 0;
        for sig in sigs {
            for k in -45..=30 {
                for b in [0, 1, 10, 20, 30, 31, 32, 40, 50, 60] {
                    let Some(reference) = nanos_digit_by_digit(sig, k, b) else {
                        continue;
                    };
                    // exact_nanos caps and floors before its arithmetic.
                    let n = sig.len() as i64;
                    if n - 1 + k >= 28 || n + k + 19 <= 0 {
                        continue;
                    }
                    let expected = reference.min(MAX_NANOS as u128) as i128;
                    assert_eq!(exact_nanos(sig, k, b), expected, "{sig} * 10^{k} * 2^{b}");
                    assert_eq!(big_nanos(sig, k, b), expected, "big: {sig} * 10^{k} * 2^{b}");
                    if let Some(small) = small_nanos(sig, "", k, b) {
                        assert_eq!(small, expected, "small: {sig} * 10^{k} * 2^{b}");
                        small_compared += 1;
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 2000, "{compared}");
        assert!(small_compared > 1000, "{small_compared}");
    }

    proptest::proptest! {
        /// The u128 path gives the big-integer answer wherever it answers,
        /// and answers for every quantity of up to 9 digits.
        #[test]
        fn the_small_path_agrees_with_the_big_one(
            sig in "[1-9][0-9]{0,17}",
            k in -40i64..28,
            b in proptest::sample::select(vec![0u32, 10, 20, 30, 40, 50, 60]),
        ) {
            // into the range exact_nanos passes on (n - 1 + k < 28, n + k + 19 > 0)
            let n = sig.len() as i64;
            let k = k.clamp(-n - 18, 28 - n);
            let small = small_nanos(&sig, "", k, b);
            // What a parsed quantity of up to 9 digits gives: a binary
            // suffix comes with k <= 9, a decimal one with b = 0.
            if sig.len() <= 9 && (b == 0 || k <= 9) {
                proptest::prop_assert!(small.is_some(), "{} * 10^{} * 2^{}", sig, k, b);
            }
            if let Some(small) = small {
                proptest::prop_assert_eq!(small, big_nanos(&sig, k, b));
            }
        }
    }

    #[test]
    fn parses_to_exact_nanos() {
        let table: &[(&str, i128)] = &[
            ("0", 0),
            ("1", NANO),
            ("1000m", NANO),
            ("1500m", 1_500_000_000),
            ("0.5", 500_000_000),
            (".5", 500_000_000),
            ("5.", 5 * NANO),
            ("+2", 2 * NANO),
            ("-2", -2 * NANO),
            ("-0", 0),
            ("1n", 1),
            ("1u", 1000),
            ("1k", 1000 * NANO),
            ("1M", 1_000_000 * NANO),
            ("1G", 1_000_000_000 * NANO),
            ("1T", 1_000_000_000_000 * NANO),
            ("1P", 1_000_000_000_000_000 * NANO),
            ("1E", 1_000_000_000_000_000_000 * NANO),
            ("1Ki", 1024 * NANO),
            ("1Mi", (1 << 20) * NANO),
            ("1Gi", (1 << 30) * NANO),
            ("1Ti", (1 << 40) * NANO),
            ("1Pi", (1 << 50) * NANO),
            ("1Ei", (1 << 60) * NANO),
            ("1.5Gi", 1_610_612_736 * NANO),
            ("0.5Ki", 512 * NANO),
            ("1e3", 1000 * NANO),
            ("1E3", 1000 * NANO),
            ("1e-3", 1_000_000),
            ("1e+3", 1000 * NANO),
            ("1.5e3", 1500 * NANO),
            ("007", 7 * NANO),
            ("0.1n", 1),
            ("-0.1n", -1),
            ("1.0000000001", NANO + 1),
            ("1e-100", 1),
            ("1e100", MAX_NANOS),
            ("10E", MAX_NANOS),
            ("8Ei", MAX_NANOS),
            ("-8Ei", -MAX_NANOS),
            ("9223372036854775807", MAX_NANOS),
            (
                "0.000000000000000000000000000000000000000000000000000000000000000000001",
                1,
            ),
            (
                "1.00000000000000000000000000000000000000000000000000000000000000000000001",
                NANO + 1,
            ),
            ("123456789012345678901234567890e-25", 12_345_678_901_235),
        ];
        for (s, want) in table {
            assert_eq!(q(s).nanos(), *want, "{s}");
        }
    }

    #[test]
    fn invalid_strings_are_typed_errors() {
        let table: &[(&str, QuantityError)] = &[
            ("", QuantityError::Empty),
            ("-", QuantityError::Format),
            (".", QuantityError::Format),
            ("abc", QuantityError::Format),
            ("1.2.3", QuantityError::Format),
            ("1 ", QuantityError::Format),
            ("1e1.5", QuantityError::Format),
            ("1Kix", QuantityError::Format),
            ("1K", QuantityError::Suffix),
            ("1KI", QuantityError::Format),
            ("1ki", QuantityError::Suffix),
            ("1e", QuantityError::Suffix),
            ("1ee3", QuantityError::Suffix),
            ("1mi", QuantityError::Suffix),
            ("1Mm", QuantityError::Suffix),
            ("1e-", QuantityError::Suffix),
        ];
        for (s, want) in table {
            assert_eq!(Quantity::parse(s).map(|q| q.nanos()), Err(want.clone()), "{s}");
        }
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("0.5"), q("500m"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("999m") < q("1"));
        assert!(q("-1") < q("0"));
        assert_eq!(q("2").cmp(&q("2000m")), Ordering::Equal);
    }

    #[test]
    fn canonical_strings() {
        let table: &[(&str, &str)] = &[
            ("0", "0"),
            ("0m", "0"),
            ("1", "1"),
            ("1000m", "1"),
            ("1500m", "1500m"),
            ("1.5", "1500m"),
            ("0.5", "500m"),
            ("2000", "2k"),
            ("10", "10"),
            ("100", "100"),
            ("1024Mi", "1Gi"),
            ("1Gi", "1Gi"),
            ("3Gi", "3Gi"),
            ("1.5Gi", "1536Mi"),
            ("0.5Ki", "512"),
            ("1536", "1536"),
            ("1e3", "1e3"),
            ("1E3", "1e3"),
            ("1.5e-3", "1500e-6"),
            ("-1Ki", "-1Ki"),
            ("-1500m", "-1500m"),
            ("0.1n", "1n"),
            ("1.0001Ki", "1024102400u"),
            ("8Ei", "9223372036854775807"),
        ];
        for (s, want) in table {
            assert_eq!(q(s).canonical(), *want, "{s}");
        }
    }

    #[test]
    fn display_keeps_go_cached_spelling() {
        let table: &[(&str, &str)] = &[
            ("+1", "+1"),
            ("1E3", "1E3"),
            ("100m", "100m"),
            ("1000m", "1"),
            ("1Ki", "1Ki"),
            ("8Ki", "8Ki"),
            ("1024Mi", "1Gi"),
            ("-1", "-1"),
            ("0.5", "500m"),
            ("2Gi", "2Gi"),
            ("40Gi", "40Gi"),
        ];
        for (s, want) in table {
            assert_eq!(q(s).to_string(), *want, "{s}");
        }
    }

    #[test]
    fn values_round_up() {
        assert_eq!(q("1500m").value(), 2);
        assert_eq!(q("1").milli_value(), 1000);
        assert_eq!(q("1n").milli_value(), 1);
        assert_eq!(q("-1500m").value(), -2);
        assert_eq!(q("1Gi").value(), 1 << 30);
        assert_eq!(Quantity::from_milli(1500).to_string(), "1500m");
        assert_eq!(
            Quantity::from_units(55 << 30, Format::BinarySI).to_string(),
            "55Gi"
        );
    }
}
