//! Small typed readers over any automerge [`ReadDoc`] (a document or an open transaction).

use automerge::{ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};

/// A text value at `obj[prop]`.
pub fn text<R: ReadDoc, P: Into<Prop>>(doc: &R, obj: &ObjId, prop: P) -> Option<String> {
    match doc.get(obj, prop).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(t) => Some(t.to_string()),
            _ => None,
        },
        (Value::Object(ObjType::Text), id) => doc.text(&id).ok(),
        _ => None,
    }
}

/// A number (integer, unsigned or float) at `obj[prop]`.
pub fn number<R: ReadDoc, P: Into<Prop>>(doc: &R, obj: &ObjId, prop: P) -> Option<f64> {
    match doc.get(obj, prop).ok()?? {
        (Value::Scalar(s), _) => scalar_number(&s),
        _ => None,
    }
}

/// Whether a value is present at `obj[prop]` at all.
pub fn present<R: ReadDoc, P: Into<Prop>>(doc: &R, obj: &ObjId, prop: P) -> bool {
    matches!(doc.get(obj, prop), Ok(Some(_)))
}

pub fn scalar_number(s: &ScalarValue) -> Option<f64> {
    match s {
        ScalarValue::Int(i) => Some(*i as f64),
        ScalarValue::Uint(u) => Some(*u as f64),
        ScalarValue::F64(f) => Some(*f),
        ScalarValue::Counter(c) => Some(i64::from(c) as f64),
        _ => None,
    }
}

/// The map object at `obj[prop]`.
pub fn map<R: ReadDoc, P: Into<Prop>>(doc: &R, obj: &ObjId, prop: P) -> Option<ObjId> {
    match doc.get(obj, prop).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

/// The keys of a map object.
pub fn keys<R: ReadDoc>(doc: &R, obj: &ObjId) -> Vec<String> {
    doc.keys(obj).collect()
}
