//! A small CBOR reader with a budget, for frames that come from devices.
//!
//! Frames are decoded straight into the protocol's typed fields: no generic
//! value tree is built (a tree costs tens of times the frame's size), nesting
//! is limited, and every item read (map entries, array elements, string
//! chunks, tags) counts against a fixed allowance. Unknown fields are skipped
//! under the same allowance, so newer clients keep working while a frame of
//! a million nested arrays costs no more than reading its bytes once.

use std::fmt;

/// How much one frame may make the reader do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CborBudget {
    /// Deepest nesting of arrays, maps and tags.
    pub max_depth: usize,
    /// Items of any kind in the whole frame.
    pub max_items: usize,
}

impl Default for CborBudget {
    fn default() -> Self {
        // An honest message is one flat map of fewer than 20 items, with
        // one small nested map (peer metadata).
        Self {
            max_depth: 8,
            max_items: 4096,
        }
    }
}

/// Why the bytes could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CborError {
    /// The frame ended in the middle of an item.
    Truncated,
    /// Bytes that are not CBOR (reserved values, a break outside a container…).
    Invalid(&'static str),
    /// Nesting deeper than the budget allows.
    TooDeep(usize),
    /// More items than the budget allows.
    TooManyItems(usize),
}

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CborError::Truncated => write!(f, "the frame ends in the middle of a value"),
            CborError::Invalid(what) => write!(f, "{what}"),
            CborError::TooDeep(n) => write!(f, "values are nested more than {n} levels deep"),
            CborError::TooManyItems(n) => write!(f, "the frame holds more than {n} values"),
        }
    }
}

/// The head of one CBOR item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Head {
    UInt(u64),
    NegInt(u64),
    /// Byte string of known length, or `None` for an indefinite one.
    Bytes(Option<u64>),
    Text(Option<u64>),
    Array(Option<u64>),
    Map(Option<u64>),
    Tag(u64),
    Simple(u8),
    Float,
    Break,
}

/// Reads items from a byte slice under a [`CborBudget`].
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    budget: CborBudget,
    items: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], budget: CborBudget) -> Self {
        Self {
            bytes,
            pos: 0,
            budget,
            items: 0,
            depth: 0,
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CborError> {
        let end = self.pos.checked_add(n).ok_or(CborError::Truncated)?;
        let out = self.bytes.get(self.pos..end).ok_or(CborError::Truncated)?;
        self.pos = end;
        Ok(out)
    }

    fn count_item(&mut self) -> Result<(), CborError> {
        self.items += 1;
        if self.items > self.budget.max_items {
            return Err(CborError::TooManyItems(self.budget.max_items));
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), CborError> {
        self.depth += 1;
        if self.depth > self.budget.max_depth {
            return Err(CborError::TooDeep(self.budget.max_depth));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The next item's head (counted against the budget).
    pub(crate) fn head(&mut self) -> Result<Head, CborError> {
        self.count_item()?;
        let first = self.take(1)?[0];
        let (major, info) = (first >> 5, first & 0x1f);
        let arg = match info {
            0..=23 => Some(u64::from(info)),
            24 => Some(u64::from(self.take(1)?[0])),
            25 => Some(u64::from(u16::from_be_bytes(
                self.take(2)?.try_into().expect("2 bytes"),
            ))),
            26 => Some(u64::from(u32::from_be_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            ))),
            27 => Some(u64::from_be_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            )),
            31 => None,
            _ => return Err(CborError::Invalid("a reserved CBOR length code")),
        };
        let definite = |a: Option<u64>| {
            a.ok_or(CborError::Invalid(
                "an indefinite length where none is allowed",
            ))
        };
        Ok(match major {
            0 => Head::UInt(definite(arg)?),
            1 => Head::NegInt(definite(arg)?),
            2 => Head::Bytes(arg),
            3 => Head::Text(arg),
            4 => Head::Array(arg),
            5 => Head::Map(arg),
            6 => Head::Tag(definite(arg)?),
            _ => match (info, arg) {
                (31, None) => Head::Break,
                (25..=27, _) => Head::Float,
                (_, Some(v)) if v < 256 => Head::Simple(v as u8),
                _ => return Err(CborError::Invalid("a malformed simple value")),
            },
        })
    }

    /// The body of a byte or text string whose head was just read.
    fn string_body(&mut self, len: Option<u64>, major: Head) -> Result<Vec<u8>, CborError> {
        match len {
            Some(n) => {
                let n = usize::try_from(n).map_err(|_| CborError::Truncated)?;
                Ok(self.take(n)?.to_vec())
            }
            None => {
                // Indefinite: definite chunks of the same kind until a break.
                let mut out = Vec::new();
                loop {
                    match (self.head()?, major) {
                        (Head::Break, _) => return Ok(out),
                        (Head::Bytes(Some(n)), Head::Bytes(_))
                        | (Head::Text(Some(n)), Head::Text(_)) => {
                            let n = usize::try_from(n).map_err(|_| CborError::Truncated)?;
                            out.extend_from_slice(self.take(n)?);
                        }
                        _ => return Err(CborError::Invalid("a malformed indefinite string")),
                    }
                }
            }
        }
    }

    /// The text of a text string whose head was just read.
    pub(crate) fn text_body(&mut self, len: Option<u64>) -> Result<String, CborError> {
        let bytes = self.string_body(len, Head::Text(None))?;
        String::from_utf8(bytes).map_err(|_| CborError::Invalid("a text string that is not UTF-8"))
    }

    /// The bytes of a byte string whose head was just read.
    pub(crate) fn bytes_body(&mut self, len: Option<u64>) -> Result<Vec<u8>, CborError> {
        self.string_body(len, Head::Bytes(None))
    }

    /// Skip the rest of an item whose head was just read.
    pub(crate) fn skip_body(&mut self, head: Head) -> Result<(), CborError> {
        match head {
            Head::UInt(_) | Head::NegInt(_) | Head::Simple(_) => Ok(()),
            Head::Float => Ok(()), // its bytes were taken with the head
            Head::Break => Err(CborError::Invalid(
                "a break outside an indefinite container",
            )),
            Head::Bytes(len) => self.string_body(len, Head::Bytes(None)).map(drop),
            Head::Text(len) => self.string_body(len, Head::Text(None)).map(drop),
            Head::Tag(_) => {
                self.enter()?;
                let inner = self.head()?;
                self.skip_body(inner)?;
                self.leave();
                Ok(())
            }
            Head::Array(len) => self.skip_container(len, 1),
            Head::Map(len) => self.skip_container(len, 2),
        }
    }

    fn skip_container(&mut self, len: Option<u64>, per_entry: u64) -> Result<(), CborError> {
        self.enter()?;
        match len {
            Some(n) => {
                for _ in 0..n.saturating_mul(per_entry) {
                    let h = self.head()?;
                    self.skip_body(h)?;
                }
            }
            None => loop {
                let h = self.head()?;
                if h == Head::Break {
                    break;
                }
                self.skip_body(h)?;
            },
        }
        self.leave();
        Ok(())
    }

    /// Visit the entries of a map whose head was just read: `f` gets each
    /// key and must consume the value (read it or [`Reader::skip_value`]).
    pub(crate) fn map_entries(
        &mut self,
        len: Option<u64>,
        mut f: impl FnMut(&mut Self, MapKey) -> Result<(), CborError>,
    ) -> Result<(), CborError> {
        self.enter()?;
        let mut remaining = len;
        loop {
            if remaining == Some(0) {
                break;
            }
            let key_head = self.head()?;
            if key_head == Head::Break {
                if len.is_some() {
                    return Err(CborError::Invalid("a break inside a map of known length"));
                }
                break;
            }
            let key = match key_head {
                Head::Text(l) => MapKey::Text(self.text_body(l)?),
                other => {
                    self.skip_body(other)?;
                    MapKey::Other
                }
            };
            f(self, key)?;
            if let Some(r) = remaining.as_mut() {
                *r -= 1;
            }
        }
        self.leave();
        Ok(())
    }

    /// Visit the elements of an array whose head was just read.
    pub(crate) fn array_items(
        &mut self,
        len: Option<u64>,
        mut f: impl FnMut(&mut Self, Head) -> Result<(), CborError>,
    ) -> Result<(), CborError> {
        self.enter()?;
        let mut remaining = len;
        loop {
            if remaining == Some(0) {
                break;
            }
            let h = self.head()?;
            if h == Head::Break {
                if len.is_some() {
                    return Err(CborError::Invalid(
                        "a break inside an array of known length",
                    ));
                }
                break;
            }
            f(self, h)?;
            if let Some(r) = remaining.as_mut() {
                *r -= 1;
            }
        }
        self.leave();
        Ok(())
    }

    /// Skip one whole value.
    pub(crate) fn skip_value(&mut self) -> Result<(), CborError> {
        let h = self.head()?;
        self.skip_body(h)
    }
}

/// A map key: text keys are what the protocol uses; others are skipped.
pub(crate) enum MapKey {
    Text(String),
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciborium::value::Value;

    fn enc(v: &Value) -> Vec<u8> {
        crate::protocol::messages::encode_value(v)
    }

    #[test]
    fn skips_any_well_formed_value() {
        let v = Value::Map(vec![
            (
                Value::Text("a".into()),
                Value::Array(vec![Value::Integer(1.into()), Value::Float(1.5)]),
            ),
            (
                Value::Integer(3.into()),
                Value::Tag(64, Box::new(Value::Bytes(vec![1, 2]))),
            ),
            (Value::Text("n".into()), Value::Null),
        ]);
        let bytes = enc(&v);
        let mut r = Reader::new(&bytes, CborBudget::default());
        r.skip_value().unwrap();
        assert!(r.at_end());
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_far() {
        // 100,000 nested one-element arrays: 100 KB that a naive decoder
        // would recurse into until the stack overflows.
        let mut bytes = vec![0x81u8; 100_000];
        bytes.push(0x00);
        let mut r = Reader::new(&bytes, CborBudget::default());
        assert_eq!(r.skip_value(), Err(CborError::TooDeep(8)));
    }

    #[test]
    fn many_items_are_refused() {
        // An indefinite array of a million zeros.
        let mut bytes = vec![0x9f];
        bytes.extend(std::iter::repeat_n(0u8, 1_000_000));
        bytes.push(0xff);
        let mut r = Reader::new(&bytes, CborBudget::default());
        assert_eq!(r.skip_value(), Err(CborError::TooManyItems(4096)));
    }

    #[test]
    fn a_length_beyond_the_frame_is_truncated_not_allocated() {
        // A byte string claiming 2^63 bytes.
        let mut bytes = vec![0x5b];
        bytes.extend(0x8000_0000_0000_0000u64.to_be_bytes());
        let mut r = Reader::new(&bytes, CborBudget::default());
        assert_eq!(r.skip_value(), Err(CborError::Truncated));
        // A map claiming 2^63 entries ends at the end of the frame.
        let mut bytes = vec![0xbb];
        bytes.extend(0x8000_0000_0000_0000u64.to_be_bytes());
        let mut r = Reader::new(&bytes, CborBudget::default());
        assert_eq!(r.skip_value(), Err(CborError::Truncated));
    }
}
