//! A cursor over untrusted bytes: LEB128 numbers, slices and counts, every
//! read checked against what is left, nothing allocated.

/// Why bytes could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum CursorError {
    /// Ran past the end.
    Truncated(&'static str),
    /// A LEB128 number longer than its type.
    Overlong(&'static str),
}

impl CursorError {
    pub(super) fn describe(&self) -> String {
        match self {
            CursorError::Truncated(what) => format!("it ends in the middle of {what}"),
            CursorError::Overlong(what) => format!("{what} is not a valid number"),
        }
    }
}

pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(super) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CursorError> {
        if n > self.remaining() {
            return Err(CursorError::Truncated(what));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(super) fn byte(&mut self, what: &'static str) -> Result<u8, CursorError> {
        Ok(self.take(1, what)?[0])
    }

    /// An unsigned LEB128 number (at most 10 bytes, no overflow).
    pub(super) fn uleb(&mut self, what: &'static str) -> Result<u64, CursorError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let b = self.byte(what)?;
            let part = u64::from(b & 0x7f);
            if i == 9 && part > 1 {
                return Err(CursorError::Overlong(what));
            }
            value |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(CursorError::Overlong(what))
    }

    /// A signed LEB128 number.
    pub(super) fn sleb(&mut self, what: &'static str) -> Result<i64, CursorError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte(what)?;
            if shift >= 64 {
                return Err(CursorError::Overlong(what));
            }
            value |= i64::from(b & 0x7f).wrapping_shl(shift);
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// A count that must fit what is left, given the fewest bytes each item takes.
    pub(super) fn count(
        &mut self,
        min_item_bytes: usize,
        what: &'static str,
    ) -> Result<usize, CursorError> {
        let n = self.uleb(what)?;
        let fits = usize::try_from(n)
            .ok()
            .filter(|n| n.saturating_mul(min_item_bytes.max(1)) <= self.remaining());
        fits.ok_or(CursorError::Truncated(what))
    }

    /// A length-prefixed byte slice.
    pub(super) fn prefixed(&mut self, what: &'static str) -> Result<&'a [u8], CursorError> {
        let n = self.count(1, what)?;
        self.take(n, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips_with_automerge_s_encoding() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut buf = Vec::new();
            let mut x = v;
            loop {
                let b = (x & 0x7f) as u8;
                x >>= 7;
                if x == 0 {
                    buf.push(b);
                    break;
                }
                buf.push(b | 0x80);
            }
            assert_eq!(Cursor::new(&buf).uleb("n"), Ok(v));
        }
        // -1, -64, -65, 63 in signed LEB128.
        for (bytes, v) in [
            (&[0x7f][..], -1i64),
            (&[0x40], -64),
            (&[0xbf, 0x7f], -65),
            (&[0x3f], 63),
        ] {
            assert_eq!(Cursor::new(bytes).sleb("n"), Ok(v));
        }
        assert!(Cursor::new(&[0xff; 11]).uleb("n").is_err());
        assert!(Cursor::new(&[0x80]).uleb("n").is_err());
    }

    #[test]
    fn counts_cannot_exceed_the_bytes_left() {
        // "2^40 items of 32 bytes" in a 6-byte input.
        let mut c = Cursor::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        assert!(c.count(32, "heads").is_err());
    }
}
