//! Go's `%q` for a string (`strconv.Quote`), which Volcano's messages use for
//! the values they quote (`field.Invalid`, `strconv.ParseFloat` errors). A
//! message only matches Volcano's byte for byte if its quoting does.
//!
//! Go keeps a character as it is when it is printable ASCII or a printable
//! non-ASCII character (`strconv.IsPrint`: general categories L, M, N, P, S,
//! in Go's Unicode version), and escapes every other one: `\a \b \f \n \r \t
//! \v \\ \"` by name, other ASCII controls as `\xNN`, the rest as `\uNNNN`
//! or `\UNNNNNNNN` (lower-case hex). A Rust `&str` is valid UTF-8, so Go's
//! `\xNN` for an invalid byte never arises.

use crate::volcano::go_print_table::{PRINT_ASTRAL, PRINT_BMP};

/// The Unicode version whose general categories decide what is printable:
/// Go's (`unicode.Version`), not Rust's; that of the Go that builds Volcano's
/// webhook image (1.26: Unicode 15.0.0; see `scripts/gen-go-print-table.py`).
pub use crate::volcano::go_print_table::UNICODE_VERSION;

/// `s` quoted as Go's `strconv.Quote` quotes it.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_print(c) => out.push(c),
            c if c.is_ascii() => push_hex(&mut out, "\\x", u32::from(c), 2),
            c if u32::from(c) < 0x1_0000 => push_hex(&mut out, "\\u", u32::from(c), 4),
            c => push_hex(&mut out, "\\U", u32::from(c), 8),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`.
pub fn is_go_print(c: char) -> bool {
    let cp = u32::from(c);
    if cp < 0x80 {
        return (0x20..0x7f).contains(&cp);
    }
    match u16::try_from(cp) {
        Ok(cp) => in_ranges(&PRINT_BMP, cp),
        Err(_) => in_ranges(&PRINT_ASTRAL, cp),
    }
}

/// `x` lies in one of `ranges` (sorted, disjoint, inclusive).
fn in_ranges<T: Copy + Ord>(ranges: &[(T, T)], x: T) -> bool {
    let i = ranges.partition_point(|&(_, hi)| hi < x);
    ranges.get(i).is_some_and(|&(lo, _)| lo <= x)
}

fn push_hex(out: &mut String, prefix: &str, value: u32, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str(prefix);
    for i in (0..digits).rev() {
        out.push(char::from(HEX[((value >> (4 * i)) & 15) as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_as_go_strconv_quote_does() {
        // Each pair: Go's strconv.Quote(input) for the input, as Go's own
        // quote tests and documentation give it.
        let cases = [
            ("", r#""""#),
            ("\u{7}\u{8}\u{c}\r\n\t\u{b}", r#""\a\b\f\r\n\t\v""#),
            ("\\", r#""\\""#),
            ("\"", r#""\"""#),
            ("\u{4}", r#""\x04""#),
            ("\u{7f}", r#""\x7f""#),
            ("\u{263a}", "\"\u{263a}\""),
            ("\u{10ffff}", r#""\U0010ffff""#),
            ("!\u{a0}!\u{2000}!\u{3000}!", r#""!\u00a0!\u2000!\u3000!""#),
            ("a\u{200b}b", r#""a\u200bb""#),
            ("soft\u{ad}hyphen", r#""soft\u00adhyphen""#),
            ("\u{feff}bom", r#""\ufeffbom""#),
            ("tag\u{e0001}", r#""tag\U000e0001""#),
            ("priv\u{e000}", r#""priv\ue000""#),
            (
                "h\u{e9}llo, \u{4e16}\u{754c} \u{1f600}",
                "\"h\u{e9}llo, \u{4e16}\u{754c} \u{1f600}\"",
            ),
            ("e\u{301}", "\"e\u{301}\""),
            ("\u{85}", r#""\u0085""#),
        ];
        for (input, want) in cases {
            assert_eq!(go_quote(input), want, "input {input:?}");
        }
    }

    #[test]
    fn unassigned_code_points_in_go_unicode_version_are_escaped() {
        assert_eq!(UNICODE_VERSION, "15.0.0");
        // U+0378 has never been assigned; U+1FAE8 (a Unicode 15.0 emoji) is
        // printable; U+1FAE9 was assigned only in Unicode 16.0, which Go's
        // tables do not have, so Go still escapes it.
        assert_eq!(go_quote("\u{378}"), r#""\u0378""#);
        assert_eq!(go_quote("\u{1fae8}"), "\"\u{1fae8}\"");
        assert_eq!(go_quote("\u{1fae9}"), r#""\U0001fae9""#);
    }

    #[test]
    fn the_tables_are_sorted_disjoint_and_agree_with_std_where_unicode_is_stable() {
        // Each range non-empty, and a gap of at least one code point before the next.
        fn assert_sorted_disjoint(ranges: impl Iterator<Item = (u32, u32)>) {
            let ranges: Vec<_> = ranges.collect();
            for w in ranges.windows(2) {
                assert!(w[0].0 <= w[0].1 && w[0].1 + 1 < w[1].0, "{w:x?}");
            }
        }
        assert_sorted_disjoint(PRINT_BMP.iter().map(|&(a, b)| (a.into(), b.into())));
        assert_sorted_disjoint(PRINT_ASTRAL.iter().copied());
        assert!(PRINT_BMP[0].0 >= 0x80 && PRINT_ASTRAL[0].0 >= 0x1_0000);
        // Controls (Cc) and white space other than the ASCII space (Z*, Cc)
        // are never printable to Go, in any Unicode version.
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            if c.is_control() || (c.is_whitespace() && c != ' ') {
                assert!(!is_go_print(c), "U+{:04X}", u32::from(c));
            }
        }
        // Every printable ASCII character is kept, every other one escaped.
        for b in 0u8..0x80 {
            let c = char::from(b);
            assert_eq!(is_go_print(c), (b' '..=b'~').contains(&b), "{b:#x}");
        }
    }

    #[test]
    fn the_tables_are_go_is_print_over_unicode_15_general_categories() {
        // The generator's data checked by a second source: yeslogic's
        // Unicode 15.0.0 tables. Go's IsPrint is L, M, N, P or S (and the
        // ASCII space) for every code point.
        use unicode_general_category::{get_general_category, GeneralCategory as G, UNICODE_VERSION as V};
        assert_eq!(format!("{}.{}.{}", V.0, V.1, V.2), UNICODE_VERSION);
        let mut wrong = Vec::new();
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let lmnps = !matches!(
                get_general_category(c),
                G::Control
                    | G::Format
                    | G::Surrogate
                    | G::PrivateUse
                    | G::Unassigned
                    | G::SpaceSeparator
                    | G::LineSeparator
                    | G::ParagraphSeparator
            );
            if is_go_print(c) != (lmnps || c == ' ') {
                wrong.push(format!("U+{:04X}", u32::from(c)));
            }
        }
        assert!(
            wrong.is_empty(),
            "{} code points disagree: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(20)]
        );
    }
}
