//! A validating JSON scanner for lookup answers: it walks the bytes once,
//! hands the caller each key of an object with the cursor on its value, and
//! skips what the caller does not read, building nothing.
//!
//! It is a fast path, never a second decoder: every method answers `None` on
//! anything it does not read exactly as the `Value` decoder
//! ([`crate::decode::from_slice`]) does — malformed JSON, escapes where the
//! caller wants a string's bytes, fractions or exponents, integers of 19
//! digits or more, lone surrogate escapes, nesting deeper than
//! [`MAX_DEPTH`] — and its callers then decode through a `Value`, which reads
//! every valid answer and names what is wrong with the others.

/// Nesting beyond this gives up (serde_json stops at 128).
pub const MAX_DEPTH: u32 = 100;

pub(crate) struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    /// A scan of `bytes`, or `None` when they are not UTF-8. (Valid UTF-8 up
    /// front lets the string scan look at bytes only: bytes of a multi-byte
    /// sequence are never `"`, `\` or control characters.)
    pub(crate) fn new(bytes: &'a [u8]) -> Option<Self> {
        std::str::from_utf8(bytes).ok()?;
        Some(Scan { b: bytes, i: 0 })
    }

    /// An object that may be null (then absent): calls `field` as
    /// [`Self::object`] does.
    pub(crate) fn nullable_object(
        &mut self,
        field: &mut dyn FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        if self.null()? {
            return Some(());
        }
        self.object(field)
    }

    /// A string without escapes, owned (the views keep their strings).
    pub(crate) fn owned_string(&mut self) -> Option<String> {
        Some(std::str::from_utf8(self.plain_string()?).ok()?.to_string())
    }

    /// As [`Self::owned_string`], `""` for null.
    pub(crate) fn string_or_empty(&mut self) -> Option<String> {
        if self.null()? {
            return Some(String::new());
        }
        self.owned_string()
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        // Hosts send compact JSON: whitespace is the rare case.
        match self.b.get(self.i) {
            Some(&c) if c > b' ' => Some(c),
            _ => {
                self.ws();
                self.b.get(self.i).copied()
            }
        }
    }

    pub(crate) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.i += 1)
    }

    pub(crate) fn word(&mut self, w: &[u8]) -> Option<()> {
        (self.b.get(self.i..self.i + w.len())? == w).then(|| self.i += w.len())
    }

    /// `null`, consumed, when it is next.
    pub(crate) fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' {
            self.word(b"null")?;
            return Some(true);
        }
        Some(false)
    }

    /// An object: calls `field` with each key, the cursor on its value.
    /// (`dyn`: one copy of the loop in the module instead of one per caller.)
    pub(crate) fn object(&mut self, field: &mut dyn FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
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
    pub(crate) fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.string()?
    }

    /// A string, validated and consumed: its content when it has no escape,
    /// `Some(None)` when it has one.
    pub(crate) fn string(&mut self) -> Option<Option<&'a [u8]>> {
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
    pub(crate) fn integer(&mut self) -> Option<()> {
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

    /// A non-negative integer of at most 18 digits, or null (`None`). A
    /// negative number gives up: serde_json reads `-0` as a float.
    pub(crate) fn opt_count(&mut self) -> Option<Option<i64>> {
        if self.null()? {
            return Some(None);
        }
        if !self.peek()?.is_ascii_digit() {
            return None;
        }
        let start = self.i;
        self.integer()?;
        let digits = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        digits.parse().ok().map(Some)
    }

    /// `true`, `false`, or null (`None`).
    pub(crate) fn opt_bool(&mut self) -> Option<Option<bool>> {
        match self.peek()? {
            b't' => self.word(b"true").map(|()| Some(true)),
            b'f' => self.word(b"false").map(|()| Some(false)),
            _ => self.word(b"null").map(|()| None),
        }
    }

    /// Any value, validated and consumed.
    pub(crate) fn skip(&mut self, depth: u32) -> Option<()> {
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
    pub(crate) fn array(&mut self, element: &mut dyn FnMut(&mut Self) -> Option<()>) -> Option<()> {
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
}

/// The id of `key` in `table`: lengths first, then the bytes in an inline
/// loop (a slice `==` calls `memcmp`, slow in wasm for keys this short).
pub(crate) fn find_key<T: Copy>(table: &[(&[u8], T)], key: &[u8]) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| k.len() == key.len() && k.iter().zip(key).all(|(a, b)| a == b))
        .map(|&(_, id)| id)
}

/// What the scans' agreement tests generate: JSON answers of a given shape,
/// and one-byte edits of them.
#[cfg(test)]
pub(crate) mod testing {
    use proptest::prelude::*;

    /// The JSON text of an object with these fields, in order.
    pub fn object(fields: Vec<(&'static str, String)>) -> String {
        let parts: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", parts.join(","))
    }

    /// An object of up to three fields named from `keys` (repeats
    /// included), or a null, or a string where the object goes.
    pub fn fields(keys: Vec<&'static str>, value: BoxedStrategy<String>) -> BoxedStrategy<String> {
        prop_oneof![
            6 => prop::collection::vec((prop::sample::select(keys), value), 0..4).prop_map(object),
            1 => Just("null".to_string()),
            1 => Just("\"x\"".to_string()),
        ]
        .boxed()
    }

    /// One byte edit: delete, insert or replace at a position.
    pub fn edit(text: &str, op: u8, at: usize, byte: u8) -> Vec<u8> {
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
}
