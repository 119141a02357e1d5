//! Counting the PodGroups of one queue straight from a `PodGroupList`
//! answer's bytes, for T3.
//!
//! T3 reads one field of every PodGroup in the cluster. Through serde, each
//! PodGroup costs a dozen visitor calls (about 1,700 instructions per
//! PodGroup natively, 6.7 ms of guest time for 10,000); this scanner walks the
//! bytes once, compares `spec.queue` in place and allocates nothing.
//!
//! It is a fast path, not a second decoder: it answers only when the answer is
//! plain JSON of the expected shape, and gives up (`None`) on everything else
//! — malformed JSON, wrong types, escapes in a key or in `spec.queue`,
//! fractions or exponents, integers of 19 digits or more, lone surrogate
//! escapes, nesting deeper than [`MAX_DEPTH`]. The caller then decodes
//! through a `serde_json::Value`, which reads every valid answer and names what
//! is wrong with the others. So the one guarantee it keeps is:
//!
//! `count(bytes, q) == Some(n)` implies the `Value` decoder reads `bytes` as
//! `Ok(n)` (tested against it on tables, on proptest input and by the
//! `podgroup_list` fuzz target).
//!
//! Shapes read as the `Value` decoder reads them: the list and each item are
//! objects; `items`, `spec` and `spec.queue` may be null or absent; of
//! duplicate keys the last wins.

/// Nesting beyond this gives up (serde_json stops at 128).
pub const MAX_DEPTH: u32 = 100;

/// The number of items whose `spec.queue` is `queue`, or `None` when the
/// answer is not plain JSON of the expected shape (see the module docs).
pub fn count(bytes: &[u8], queue: &str) -> Option<usize> {
    // Valid UTF-8 up front lets the string scan look at bytes only: bytes of
    // a multi-byte sequence are never `"`, `\` or control characters.
    std::str::from_utf8(bytes).ok()?;
    let mut s = Scan { b: bytes, i: 0 };
    let mut n = 0;
    s.object(&mut |s, key| {
        if key == b"items" {
            n = s.items(queue.as_bytes())?;
        } else {
            s.skip(1)?;
        }
        Some(())
    })?;
    s.ws();
    (s.i == bytes.len()).then_some(n)
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        // Hosts send compact JSON: whitespace is the rare case.
        match self.b.get(self.i) {
            Some(&c) if c > b' ' => Some(c),
            _ => {
                self.ws();
                self.b.get(self.i).copied()
            }
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.i += 1)
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        (self.b.get(self.i..self.i + w.len())? == w).then(|| self.i += w.len())
    }

    /// `null`, consumed, when it is next.
    fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' {
            self.word(b"null")?;
            return Some(true);
        }
        Some(false)
    }

    /// An object: calls `field` with each key, the cursor on its value.
    /// (`dyn`: one copy of the loop in the module instead of one per caller.)
    fn object(&mut self, field: &mut dyn FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.plain_string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string with no escapes, returned without its quotes.
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.string()?
    }

    /// A string, validated and consumed: its content when it has no escape,
    /// `Some(None)` when it has one.
    fn string(&mut self) -> Option<Option<&'a [u8]>> {
        self.eat(b'"')?;
        let start = self.i;
        let mut plain = true;
        loop {
            // Most bytes are none of the three special ones: skip them in one
            // tight loop.
            let rest = self.b.get(self.i..)?;
            self.i += rest
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(rest.len());
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(plain.then(|| &self.b[start..self.i - 1]));
                }
                b'\\' => {
                    plain = false;
                    self.i += 1;
                    match *self.b.get(self.i)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            // Surrogates (paired or lone) are left to serde_json.
                            let surrogate = matches!(hex[0], b'd' | b'D')
                                && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F');
                            if surrogate || !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a control character
            }
        }
    }

    /// An integer of at most 18 digits (within i64 and u64 either way).
    fn integer(&mut self) -> Option<()> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let start = self.i;
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        let digits = &self.b[start..self.i];
        let ok = !digits.is_empty()
            && digits.len() <= 18
            && (digits[0] != b'0' || digits.len() == 1)
            && !matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E'));
        ok.then_some(())
    }

    /// Any value, validated and consumed.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(&mut |s, _| s.skip(depth + 1)),
            b'[' => self.array(&mut |s| s.skip(depth + 1)),
            b'"' => self.string().map(drop),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.integer(),
        }
    }

    /// An array: calls `element` with the cursor on each element.
    fn array(&mut self, element: &mut dyn FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `items`: null or an array of PodGroups; the number in the queue.
    fn items(&mut self, queue: &[u8]) -> Option<usize> {
        let mut n = 0;
        if !self.null()? {
            self.array(&mut |s| {
                n += usize::from(s.podgroup(queue)?);
                Some(())
            })?;
        }
        Some(n)
    }

    /// One PodGroup: an object; whether its (last) `spec` names the queue.
    fn podgroup(&mut self, queue: &[u8]) -> Option<bool> {
        let mut hit = false;
        self.object(&mut |s, key| {
            if key == b"spec" {
                hit = s.spec(queue)?;
            } else {
                s.skip(3)?;
            }
            Some(())
        })?;
        Some(hit)
    }

    /// `spec`: null or an object; whether its (last) `queue` is the queue.
    fn spec(&mut self, queue: &[u8]) -> Option<bool> {
        let mut hit = false;
        if !self.null()? {
            self.object(&mut |s, key| {
                if key == b"queue" {
                    hit = !s.null()? && s.plain_string()? == queue;
                } else {
                    s.skip(4)?;
                }
                Some(())
            })?;
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_plain_answers() {
        let table: &[(&str, &str, usize)] = &[
            (
                r#"{"items":[{"spec":{"queue":"q"}},{"spec":{"queue":"r"}},{"spec":{"queue":"q"}}]}"#,
                "q",
                2,
            ),
            (" {\n\t\"items\" : [ ] } \r\n", "q", 0),
            (r#"{"items":null}"#, "q", 0),
            (r#"{}"#, "q", 0),
            (r#"{"items":[{"spec":null},{"spec":{"queue":null}},{}]}"#, "", 0),
            (r#"{"items":[{"spec":{"queue":""}}]}"#, "", 1),
            (
                r#"{"items":[{"spec":{"queue":"a"},"spec":{"queue":"q"}}]}"#,
                "q",
                1,
            ),
            (r#"{"items":[{"spec":{"queue":"q","queue":"a"}}]}"#, "q", 0),
            (r#"{"items":[{"spec":{"queue":"q"}}],"items":[]}"#, "q", 0),
            (r#"{"items":[{"spec":{"queue":"ü"}}]}"#, "ü", 1),
            (
                r#"{"apiVersion":"v1","metadata":{"resourceVersion":"12"},"items":[{"metadata":{"name":"x\n\u0041","labels":{"a":[1,-0,{"b":null},true,false,"\"\\\/\b\f\n\r\t"]}},"spec":{"minMember":2,"queue":"q"}}]}"#,
                "q",
                1,
            ),
        ];
        for (answer, queue, n) in table {
            assert_eq!(count(answer.as_bytes(), queue), Some(*n), "{answer}");
        }
    }

    #[test]
    fn gives_up_on_anything_else() {
        let table: &[&str] = &[
            "",
            "null",
            "[]",
            r#"{"items":3}"#,
            r#"{"items":{}}"#,
            r#"{"items":[null]}"#,
            r#"{"items":[[]]}"#,
            r#"{"items":[{"spec":[]}]}"#,
            r#"{"items":[{"spec":{"queue":7}}]}"#,
            r#"{"items":[{"spec":{"queue":"q\u0031"}}]}"#,
            r#"{"it\u0065ms":[]}"#,
            r#"{"items":[]} trailing"#,
            r#"{"items":[{"spec":{"queue":"q"}}"#,
            r#"{"items":[],}"#,
            r#"{"items":[1,]}"#,
            r#"{"items" []}"#,
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":01}"#,
            r#"{"a":-}"#,
            r#"{"a":1234567890123456789}"#,
            r#"{"a":tru}"#,
            r#"{"a":nul}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u+123"}"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"unterminated}"#,
        ];
        for answer in table {
            assert_eq!(count(answer.as_bytes(), "q"), None, "{answer}");
        }
        assert_eq!(count(b"{\"a\":\"\xff\"}", "q"), None);
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(101), "]".repeat(101));
        assert_eq!(count(deep.as_bytes(), "q"), None);
        let shallow = format!("{{\"a\":{}{}}}", "[".repeat(99), "]".repeat(99));
        assert_eq!(count(shallow.as_bytes(), "q"), Some(0));
    }

    mod agreement {
        use proptest::prelude::*;

        use super::super::count;
        use crate::volcano::view::count_podgroups_in_value;

        /// JSON text of a value the scan must skip.
        fn junk() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("null".to_string()),
                Just("true".to_string()),
                (-1000i64..1000).prop_map(|n| n.to_string()),
                Just("1.5".to_string()),
                Just("\"a\\nb\"".to_string()),
                Just("\"\\u00e9\"".to_string()),
            ];
            leaf.prop_recursive(3, 12, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
                    prop::collection::vec(inner, 0..3).prop_map(|v| {
                        let fields: Vec<String> = v
                            .iter()
                            .enumerate()
                            .map(|(i, x)| format!("\"k{i}\":{x}"))
                            .collect();
                        format!("{{{}}}", fields.join(","))
                    }),
                ]
            })
        }

        fn queue_value() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("\"q\"".to_string()),
                Just("\"r\"".to_string()),
                Just("\"\\u0071\"".to_string()),
                Just("null".to_string()),
                Just("7".to_string()),
                Just("[\"q\"]".to_string()),
            ]
        }

        fn spec() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::collection::vec((queue_value(), junk(), any::<bool>()), 0..3).prop_map(|fields| {
                    let parts: Vec<String> = fields
                        .iter()
                        .map(|(q, j, first)| {
                            if *first {
                                format!("\"queue\":{q}")
                            } else {
                                format!("\"minMember\":{j}")
                            }
                        })
                        .collect();
                    format!("{{{}}}", parts.join(","))
                }),
                Just("null".to_string()),
                Just("[]".to_string()),
            ]
        }

        fn item() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => (prop::collection::vec(spec(), 0..3), junk()).prop_map(|(specs, j)| {
                    let mut parts = vec![format!("\"metadata\":{j}")];
                    parts.extend(specs.iter().map(|s| format!("\"spec\":{s}")));
                    format!("{{{}}}", parts.join(","))
                }),
                1 => Just("null".to_string()),
                1 => junk(),
            ]
        }

        fn answer() -> impl Strategy<Value = String> {
            (prop::collection::vec(item(), 0..6), junk(), any::<bool>()).prop_map(|(items, j, null_items)| {
                let items = if null_items {
                    "null".to_string()
                } else {
                    format!("[{}]", items.join(","))
                };
                format!("{{\"kind\":\"PodGroupList\",\"metadata\":{j},\"items\":{items}}}")
            })
        }

        /// One byte edit: delete, insert or replace at a position.
        fn edit(text: &str, op: u8, at: usize, byte: u8) -> Vec<u8> {
            let mut b = text.as_bytes().to_vec();
            let at = at % (b.len() + 1);
            let pool = b" ,:[]{}\"\\0123456789-.eEnultrfasq\x01\xc3";
            let byte = pool[byte as usize % pool.len()];
            match op % 4 {
                0 if at < b.len() => {
                    b.remove(at);
                }
                1 => b.insert(at, byte),
                2 if at < b.len() => b[at] = byte,
                _ => {}
            }
            b
        }

        proptest! {
            #[test]
            fn the_scan_answers_only_as_the_value_decoder_does(
                text in answer(), op in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
            ) {
                for bytes in [text.as_bytes().to_vec(), edit(&text, op, at, byte)] {
                    let reference = count_podgroups_in_value(&bytes, "q");
                    if let Some(n) = count(&bytes, "q") {
                        prop_assert_eq!(Ok(n), reference, "{}", String::from_utf8_lossy(&bytes));
                    }
                }
            }

            #[test]
            fn the_scan_reads_plain_answers_itself(items in prop::collection::vec(
                prop_oneof![Just("q"), Just("r"), Just("")], 0..50)
            ) {
                let body: Vec<String> = items.iter().map(|q| format!("{{\"spec\":{{\"queue\":\"{q}\"}}}}")).collect();
                let text = format!("{{\"items\":[{}]}}", body.join(","));
                let want = items.iter().filter(|q| **q == "q").count();
                prop_assert_eq!(count(text.as_bytes(), "q"), Some(want));
            }
        }
    }
}
