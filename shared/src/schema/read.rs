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

/// The object at a path of map keys from the root, e.g. `["staff", "p1"]`.
pub fn path<R: ReadDoc>(doc: &R, keys: &[&str]) -> Option<ObjId> {
    let mut obj = automerge::ROOT;
    for key in keys {
        obj = match doc.get(&obj, *key).ok()?? {
            (Value::Object(_), id) => id,
            _ => return None,
        };
    }
    Some(obj)
}

/// Every version of the map object at `keys`: usually one, more when devices
/// created the same record concurrently (each created its own map at that
/// key; automerge keeps them all and shows one).
pub fn path_versions<R: ReadDoc>(doc: &R, keys: &[&str]) -> Vec<ObjId> {
    let mut objs = vec![automerge::ROOT];
    for key in keys {
        objs = objs
            .iter()
            .flat_map(|o| doc.get_all(o, *key).unwrap_or_default())
            .filter_map(|(v, id)| matches!(v, Value::Object(ObjType::Map)).then_some(id))
            .collect();
        if objs.is_empty() {
            break;
        }
    }
    objs
}

/// Any automerge [`ReadDoc`] seen as an autosurgeon reader, so typed
/// hydration runs on a document, an open transaction, or anything else that
/// reads (`autosurgeon::hydrate(&Reader(&tx))`).
pub struct Reader<'a, R>(pub &'a R);

impl<R: ReadDoc> autosurgeon::ReadDoc for Reader<'_, R> {
    type Parents<'b>
        = automerge::Parents<'b>
    where
        Self: 'b;

    /// Not available through [`ReadDoc`]; hydration does not need it.
    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        Vec::new()
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, automerge::AutomergeError> {
        self.0.get(obj, prop)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        self.0.object_type(obj).ok()
    }

    fn map_range<'b, O, Rg>(&'b self, obj: O, range: Rg) -> automerge::iter::MapRange<'b>
    where
        Rg: std::ops::RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        self.0.map_range(obj, range)
    }

    fn list_range<O: AsRef<ObjId>, Rg: std::ops::RangeBounds<usize>>(
        &self,
        obj: O,
        range: Rg,
    ) -> automerge::iter::ListRange<'_> {
        self.0.list_range(obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        self.0.length(obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, automerge::AutomergeError> {
        self.0.text(obj)
    }

    fn parents<O: AsRef<ObjId>>(
        &self,
        obj: O,
    ) -> Result<Self::Parents<'_>, automerge::AutomergeError> {
        self.0.parents(obj)
    }

    fn is_empty(&self) -> bool {
        self.0.keys(automerge::ROOT).next().is_none()
    }
}
