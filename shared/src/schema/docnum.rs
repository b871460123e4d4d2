//! Numbers of administrative documents (số, ký hiệu văn bản), as in
//! `12/TTr-VP` (tờ trình No. 12 of the office), `123/QĐ-UBND` (decision
//! No. 123 of the provincial People's Committee) or, with the year,
//! `152/2025/NĐ-CP`.
//!
//! The form is `<number>[/<year>]/<TYPE>-<ISSUER>`: the number is 1 to 6
//! digits (not all zeros); the type (loại văn bản: QĐ, TTr, KH, CV, …)
//! starts with a capital letter; the issuer (cơ quan ban hành) is one or
//! more hyphen-separated parts of letters, digits, `&` or `.`, with at
//! least one capital letter. No spaces.

use std::fmt;

/// A parsed document number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentNumber {
    /// The running number, e.g. `123` (kept as written, `012` stays `012`).
    pub number: String,
    /// The year part of `152/2025/NĐ-CP`, when present.
    pub year: Option<i32>,
    /// The document type (loại văn bản), e.g. `QĐ`, `TTr`.
    pub doc_type: String,
    /// The issuer (cơ quan ban hành), e.g. `UBND`, `VP`, `CP`.
    pub issuer: String,
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.number)?;
        if let Some(y) = self.year {
            write!(f, "{y:04}/")?;
        }
        write!(f, "{}-{}", self.doc_type, self.issuer)
    }
}

/// Parses a document number; `None` when it is not in the administrative form.
pub fn parse_document_number(text: &str) -> Option<DocumentNumber> {
    if text.chars().any(char::is_whitespace) {
        return None;
    }
    let parts: Vec<&str> = text.split('/').collect();
    let (number, year, symbol) = match parts.as_slice() {
        [n, s] => (*n, None, *s),
        [n, y, s] => (*n, Some(*y), *s),
        _ => return None,
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(number) || number.len() > 6 || number.bytes().all(|b| b == b'0') {
        return None;
    }
    let year = match year {
        None => None,
        Some(y) if digits_only(y) && y.len() == 4 => Some(y.parse().ok()?),
        Some(_) => return None,
    };
    let (doc_type, issuer) = symbol.split_once('-')?;
    let type_ok = doc_type.chars().next().is_some_and(char::is_uppercase)
        && doc_type.chars().all(char::is_alphabetic)
        && doc_type.chars().count() <= 10;
    let issuer_ok = issuer.split('-').all(|part| {
        part.chars().next().is_some_and(char::is_alphanumeric)
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || c == '&' || c == '.')
    }) && issuer.chars().any(char::is_uppercase);
    if !type_ok || !issuer_ok {
        return None;
    }
    Some(DocumentNumber {
        number: number.to_string(),
        year,
        doc_type: doc_type.to_string(),
        issuer: issuer.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_administrative_forms() {
        for ok in [
            "12/TTr-VP",
            "123/QĐ-UBND",
            "152/2025/NĐ-CP",
            "45/KH-CTĐ",
            "7/QĐ-TTg",
            "01/TTr-VPĐĐBQH&HĐND",
            "3/BC-VP.HĐND-LS",
        ] {
            assert!(parse_document_number(ok).is_some(), "{ok}");
        }
        let n = parse_document_number("152/2025/NĐ-CP").unwrap();
        assert_eq!((n.number.as_str(), n.year), ("152", Some(2025)));
        assert_eq!((n.doc_type.as_str(), n.issuer.as_str()), ("NĐ", "CP"));
        assert_eq!(n.to_string(), "152/2025/NĐ-CP");
    }

    #[test]
    fn rejects_malformed_numbers() {
        for bad in [
            "",
            "123",
            "QĐ-UBND/123",
            "123-QĐ-UBND",
            "123/QĐUBND",
            "abc/QĐ-UBND",
            "123/qđ-ubnd",
            "123/ QĐ-UBND",
            "123/QĐ-",
            "/QĐ-UBND",
            "0/QĐ-UBND",
            "1234567/QĐ-UBND",
            "12/25/QĐ-UBND",
            "12/QĐ--UBND",
            "12/TTr-VP/",
        ] {
            assert!(parse_document_number(bad).is_none(), "{bad:?}");
        }
    }
}
