//! Writing: [`save`] (every write of the screens), [`Problem`] (why a save was refused), [`Val`] and [`put_val`].

use automerge::transaction::Transaction;
use leptos::prelude::*;
use shared::core::ChangeError;
use shared::protocol::DocumentId;
use shared::schema::write::{self, WriteError};

use super::super::DriverRef;
use crate::i18n::Lang;

/// Why a save was refused, for one field (by path) or the whole form.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Path in the document (`staff/p1/fullName`), empty when not known.
    pub path: String,
    pub vi: String,
    pub en: String,
}

impl Problem {
    pub fn new(vi: &str, en: &str) -> Problem {
        Problem {
            path: String::new(),
            vi: vi.to_string(),
            en: en.to_string(),
        }
    }

    /// A problem about the field `path` (in "add" forms, an input's key).
    pub fn at(path: &str, vi: &str, en: &str) -> Problem {
        Problem {
            path: path.to_string(),
            ..Problem::new(vi, en)
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Vi => self.vi.clone(),
            Lang::En => self.en.clone(),
        }
    }
}

/// Why a save was refused, as one text (`None` when it was saved): the
/// error line of an action that is not a form.
pub fn refusal_text(lang: Lang, result: Result<(), Vec<Problem>>) -> Option<String> {
    result.err().map(|p| problems_text(lang, &p))
}

/// The messages of problems, joined, in a language.
pub fn problems_text(lang: Lang, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.text(lang))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The problems about `key` (a path ending in `/key` or equal to it).
pub fn problem_for(problems: &[Problem], key: &str) -> Vec<Problem> {
    let suffix = format!("/{key}");
    problems
        .iter()
        .filter(|p| p.path == key || p.path.ends_with(&suffix))
        .cloned()
        .collect()
}

/// "staff/p1/fullName: cần nhập họ tên" → "cần nhập họ tên": the field says where.
fn strip_path(path: &str, message: &str) -> String {
    message
        .strip_prefix(path)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
        .to_string()
}

/// Make an edit of `doc` (narrow writes only), with a short Vietnamese
/// summary for the history. Refusals come back as problems.
pub fn save(
    drv: DriverRef,
    doc: DocumentId,
    summary: &str,
    edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), WriteError>,
) -> Result<(), Vec<Problem>> {
    let result = drv.with_value(|d| d.change_with(&doc, summary, edit));
    result.map_err(|e| match e {
        ChangeError::Invalid(violations) => violations
            .into_iter()
            .map(|v| Problem {
                vi: strip_path(&v.path, &v.message_vi),
                en: strip_path(&v.path, &v.message_en),
                path: v.path,
            })
            .collect(),
        ChangeError::NotWritable(_) => vec![Problem::new(
            "Đơn vị của bạn không được sửa dữ liệu này (chỉ xem).",
            "Your office may not change this data (read-only).",
        )],
        ChangeError::NotLoaded(_) => vec![Problem::new(
            "Dữ liệu chưa tải xong trên máy, hãy thử lại sau giây lát.",
            "The data is not loaded yet; try again in a moment.",
        )],
        ChangeError::TooLarge(r) => vec![Problem {
            path: String::new(),
            vi: r.message_vi,
            en: r.message_en,
        }],
        ChangeError::Edit(e) => vec![Problem {
            path: String::new(),
            vi: format!("Không ghi được: {e}"),
            en: format!("Could not write: {e}"),
        }],
    })
}

/// A value to write into one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Int(i64),
    F64(f64),
    Bool(bool),
    List(Vec<String>),
}

impl Val {
    /// Points: whole numbers as integers, like the schema writes them.
    pub fn points(p: f64) -> Val {
        if p.fract() == 0.0 && p.abs() < 9.0e15 {
            Val::Int(p as i64)
        } else {
            Val::F64(p)
        }
    }

    pub fn opt_str(s: Option<&str>) -> Val {
        match s {
            Some(s) if !s.is_empty() => Val::Str(s.to_string()),
            _ => Val::Null,
        }
    }
}

/// Writes `val` as `key` of the object at `path` ([`write::put_field`]).
pub fn put_val(
    tx: &mut Transaction<'_>,
    path: &[String],
    key: &str,
    val: &Val,
) -> Result<(), WriteError> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match val {
        Val::Null => write::put_field(tx, &p, key, &Option::<String>::None),
        Val::Str(s) => write::put_field(tx, &p, key, s),
        Val::Int(i) => write::put_field(tx, &p, key, i),
        Val::F64(f) => write::put_field(tx, &p, key, f),
        Val::Bool(b) => write::put_field(tx, &p, key, b),
        Val::List(l) => write::put_field(tx, &p, key, l),
    }
}
