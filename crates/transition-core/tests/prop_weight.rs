//! `volcano::weight::classify` (V3's hierarchy weights, decided from the
//! text) gives the outcome Rust's own float parser gives, then `<= 0`: on
//! random strings over the float alphabet and on random numbers near the
//! range and underflow limits.

use proptest::prelude::*;
use transition_core::volcano::weight::{classify, classify_by_parsing};

/// A number `[sign] int [. frac] [e exp]` with an exponent near where
/// doubles overflow or underflow.
fn number() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", "-", "+"]),
        "[0-9]{0,3}",
        prop::option::of("[0-9]{0,30}"),
        prop::sample::select(vec!["e", "E"]),
        prop_oneof![290i64..330, -345i64..-300, -10i64..10],
    )
        .prop_map(|(sign, int, frac, e, exp)| match frac {
            Some(f) => format!("{sign}{int}.{f}{e}{exp}"),
            None => format!("{sign}{int}{e}{exp}"),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn random_text_is_classified_as_the_float_parser_reads_it(s in "[-+0-9.eEinfatyINFATY]{0,12}") {
        prop_assert_eq!(classify(&s), classify_by_parsing(&s), "{:?}", s);
    }

    #[test]
    fn numbers_near_the_limits_are_classified_exactly(s in number()) {
        prop_assert_eq!(classify(&s), classify_by_parsing(&s), "{:?}", s);
    }
}
