//! Shared form widgets (biểu mẫu dùng chung) for the TĐKT screens.
//!
//! - [`Field`]: one field of one record, edited in place. It reads the value
//!   from the document (reactively), keeps what the user typed until it is
//!   saved (a refused or malformed value stays in the box, with the reason
//!   next to it), writes only that field with
//!   [`shared::schema::write::put_field`] (so edits from several devices
//!   merge field by field), and marks concurrent values (xung đột) with
//!   buttons to pick the value to keep.
//! - [`save`]: every write of the screens goes through it: rights and schema
//!   are checked by [`crate::sync::Driver::change_with`] before committing;
//!   refusals come back as [`Problem`]s with the path of the field.
//! - "Add" forms: [`AddForm`] (inputs, problems, submit button) and its
//!   small inputs ([`TextInput`], [`SelectInput`]); option lists of the
//!   domain's enumerations, ids, dates and times.
//! - Actions on a record that are not a form: [`DeleteButton`], and
//!   [`refusal_text`] with [`ErrorNote`] for the error line of a card.

mod add;
mod dates;
mod field;
mod options;
mod write;

pub use add::*;
pub use dates::*;
pub use field::*;
pub use options::*;
pub use write::*;
