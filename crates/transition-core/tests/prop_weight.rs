//! `volcano::weight::classify` (V3's hierarchy weights, decided from the
//! text) gives the outcome of its reference (Rust's own float parser, then
//! `<= 0`, with Go's differences: see `classify_by_parsing`): on random
//! strings over the float alphabet, on random numbers near the range and
//! underflow limits, decimal and hexadecimal, and with `_` separators.
//! `tests/go_parsefloat.rs` holds both to Go itself.

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

/// A hex float `[sign] 0x H [. H] p exp` whose value lies near where doubles
/// overflow or underflow (or anywhere, for the last exponent range).
fn hex_number() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", "-", "+"]),
        prop::sample::select(vec!["0x", "0X"]),
        prop_oneof![
            "[0-9a-fA-F]{0,3}",
            "1[fF]{12,16}[0-9a-fA-F]{0,3}",
            "[1-3]0{12,16}[0-9]{0,2}"
        ],
        prop::option::of("[0-9a-fA-F]{0,18}"),
        prop::sample::select(vec!["p", "P"]),
        prop_oneof![960i64..1030, -1140i64..-1060, -20i64..20],
    )
        .prop_map(|(sign, x, int, frac, p, exp)| match frac {
            Some(f) => format!("{sign}{x}{int}.{f}{p}{exp}"),
            None => format!("{sign}{x}{int}{p}{exp}"),
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

    #[test]
    fn hex_floats_near_the_limits_are_classified_exactly(s in hex_number()) {
        prop_assert_eq!(classify(&s), classify_by_parsing(&s), "{:?}", s);
    }

    #[test]
    fn random_hex_and_separators_are_classified_as_the_reference_reads_them(
        s in "[-+]?(0[xX])?[0-9a-fA-F_.pP+-]{0,10}"
    ) {
        prop_assert_eq!(classify(&s), classify_by_parsing(&s), "{:?}", s);
    }
}
