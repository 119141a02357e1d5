//! A minimal unsigned big integer for the two places that need exact
//! decimal arithmetic: quantities ([`crate::quantity`]) and hierarchy
//! weights ([`crate::volcano::weight`]). Base 2^32, little endian.

use std::cmp::Ordering;

/// `10^i` for the chunked steps below.
const POW10: [u32; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// An unsigned integer; no leading zero limb (zero is no limb at all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Big(Vec<u32>);

impl Big {
    /// The number an ASCII digit string spells (digits only).
    pub fn from_digits(digits: &[u8]) -> Self {
        let mut big = Big::default();
        for chunk in digits.chunks(9) {
            let d = chunk.iter().fold(0, |acc, c| acc * 10 + (c - b'0') as u32);
            big.mul_add(POW10[chunk.len()], d);
        }
        big
    }

    /// `self * m + a`.
    pub fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = a as u64;
        for limb in &mut self.0 {
            let v = *limb as u64 * m as u64 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// `self * 10^k`, nine digits at a time.
    pub fn mul_pow10(&mut self, mut k: u64) {
        while k > 0 {
            let step = k.min(9);
            self.mul_add(POW10[step as usize], 0);
            k -= step;
        }
    }

    /// `self * 2^b`, 31 bits at a time.
    pub fn mul_pow2(&mut self, mut b: u32) {
        while b > 0 {
            let step = b.min(31);
            self.mul_add(1 << step, 0);
            b -= step;
        }
    }

    /// Divides by `10^k` in place; whether anything was lost.
    pub fn div_pow10(&mut self, mut k: u64) -> bool {
        let mut inexact = false;
        while k > 0 {
            let step = k.min(9);
            inexact |= self.div_rem(POW10[step as usize]) != 0;
            k -= step;
        }
        inexact
    }

    /// Divides in place, returns the remainder.
    fn div_rem(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let cur = (rem << 32) | *limb as u64;
            *limb = (cur / d as u64) as u32;
            rem = cur % d as u64;
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        rem as u32
    }

    pub fn to_u128(&self) -> Option<u128> {
        if self.0.len() > 4 {
            return None;
        }
        Some(self.0.iter().rev().fold(0u128, |acc, l| (acc << 32) | *l as u128))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    /// No leading zero limbs, so the longer number is the larger.
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u128) -> Big {
        Big::from_digits(n.to_string().as_bytes())
    }

    #[test]
    fn arithmetic_matches_u128() {
        let cases: &[u128] = &[
            0,
            1,
            9,
            10,
            999_999_999,
            1_000_000_000,
            4_294_967_295,
            4_294_967_296,
            u64::MAX as u128,
            12_345_678_901_234_567_890_123,
        ];
        for &n in cases {
            assert_eq!(u(n).to_u128(), Some(n));
            for k in 0..12u64 {
                let mut b = u(n);
                b.mul_pow10(k);
                assert_eq!(b.to_u128(), n.checked_mul(10u128.pow(k as u32)), "{n} * 10^{k}");
                let mut d = u(n);
                let lost = d.div_pow10(k);
                let p = 10u128.pow(k as u32);
                assert_eq!((d.to_u128(), lost), (Some(n / p), n % p != 0), "{n} / 10^{k}");
            }
            for s in [0, 1, 31, 32, 40] {
                let mut b = u(n);
                b.mul_pow2(s);
                assert_eq!(b.to_u128(), n.checked_mul(1u128 << s), "{n} * 2^{s}");
            }
        }
        assert_eq!(Big::from_digits(b"000"), Big::default());
    }

    #[test]
    fn order_is_numeric() {
        let sorted: Vec<u128> = vec![
            0,
            5,
            4_294_967_295,
            4_294_967_296,
            1 << 64,
            (1 << 64) + 1,
            u128::MAX,
        ];
        let bigs: Vec<Big> = sorted.iter().map(|&n| u(n)).collect();
        for (i, a) in bigs.iter().enumerate() {
            for (j, b) in bigs.iter().enumerate() {
                assert_eq!(a.cmp(b), sorted[i].cmp(&sorted[j]));
            }
        }
    }
}
