//! The one error type of browser storage, and the mapping from IndexedDB's
//! `DOMException` names to it.

/// What went wrong while reading or writing browser storage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The browser refused to store more data for this site (`QuotaExceededError`).
    /// The write did not happen. The UI must show this: the user has to free space
    /// (delete other sites' data, free disk space) before anything new is saved.
    #[error(
        "browser storage is full: the browser refused to save more data for this site \
         ({detail}). Nothing new was saved. Free disk space or clear other sites' data, \
         then try again"
    )]
    QuotaExceeded { detail: String },

    /// IndexedDB cannot be used at all (very old browser, some private-browsing
    /// modes, or storage disabled in the browser settings).
    #[error(
        "this browser does not let the app store data ({detail}). Leave private browsing \
         mode or allow site data in the browser settings, then reload"
    )]
    Unavailable { detail: String },

    /// The database on disk was created by a newer version of the app.
    #[error(
        "the local database {db:?} was upgraded by a newer version of the app open in \
         another tab. Reload this page to get the new version"
    )]
    NewerVersion { db: String },

    /// Another tab holds the database open in an older version and blocks an upgrade.
    #[error(
        "another tab still uses the local database {db:?} with an older version of the \
         app. Close the other Thi Đua tabs (or reload them), then reload this page"
    )]
    Blocked { db: String },

    /// The connection was closed (another tab upgraded the database, or the browser
    /// cleared site data while the page was open).
    #[error(
        "the connection to the local database was closed while {action} ({detail}). \
         Reload the page"
    )]
    Closed { action: String, detail: String },

    /// A stored value does not have the expected shape.
    #[error(
        "the stored value under {key:?} is not in the expected format ({detail}); it was \
         left in place. Export a backup and report this problem"
    )]
    Corrupt { key: String, detail: String },

    /// Any other browser error, with the browser's own name and message.
    #[error(
        "browser storage failed while {action}: {name}: {message}. Reload the page and try again; if it keeps failing, restart the browser"
    )]
    Browser {
        action: String,
        name: String,
        message: String,
    },
}

impl StorageError {
    /// Map a `DOMException` (by its `name`) met while doing `action` to an error.
    ///
    /// `action` is a short gerund phrase such as "saving a document chunk".
    pub fn from_dom_exception(name: &str, message: &str, action: &str) -> Self {
        match name {
            "QuotaExceededError" => StorageError::QuotaExceeded {
                detail: if message.is_empty() {
                    action.to_string()
                } else {
                    format!("{action}: {message}")
                },
            },
            "InvalidStateError" | "TransactionInactiveError" => StorageError::Closed {
                action: action.to_string(),
                detail: format!("{name}: {message}"),
            },
            "SecurityError" => StorageError::Unavailable {
                detail: format!("{name}: {message}"),
            },
            _ => StorageError::Browser {
                action: action.to_string(),
                name: name.to_string(),
                message: message.to_string(),
            },
        }
    }

    /// Map any value thrown or reported by the browser: a `DOMException` by its
    /// name (see [`StorageError::from_dom_exception`]), anything else as
    /// [`StorageError::Browser`].
    pub fn from_js(value: &wasm_bindgen::JsValue, action: &str) -> Self {
        use wasm_bindgen::JsCast;
        if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
            return Self::from_dom_exception(&e.name(), &e.message(), action);
        }
        let (name, message) = match value.dyn_ref::<js_sys::Error>() {
            Some(e) => (String::from(e.name()), String::from(e.message())),
            None => ("Error".to_string(), format!("{value:?}")),
        };
        StorageError::Browser {
            action: action.to_string(),
            name,
            message,
        }
    }

    /// True for [`StorageError::QuotaExceeded`].
    pub fn is_quota_exceeded(&self) -> bool {
        matches!(self, StorageError::QuotaExceeded { .. })
    }

    /// A short Vietnamese message for the UI (the `Display` text has the details).
    pub fn message_vi(&self) -> &'static str {
        match self {
            StorageError::QuotaExceeded { .. } => {
                "Bộ nhớ của trình duyệt đã đầy: chưa lưu được dữ liệu mới. Hãy giải phóng dung lượng đĩa hoặc xoá dữ liệu của các trang web khác, rồi thử lại."
            }
            StorageError::Unavailable { .. } => {
                "Trình duyệt không cho phép ứng dụng lưu dữ liệu. Hãy tắt chế độ duyệt riêng tư hoặc cho phép lưu dữ liệu trang web trong cài đặt, rồi tải lại trang."
            }
            StorageError::NewerVersion { .. } => {
                "Một thẻ khác đang mở phiên bản mới hơn của ứng dụng. Hãy tải lại trang này."
            }
            StorageError::Blocked { .. } => {
                "Một thẻ Thi Đua khác đang dùng phiên bản cũ. Hãy đóng hoặc tải lại các thẻ đó, rồi tải lại trang này."
            }
            StorageError::Closed { .. } => {
                "Mất kết nối tới cơ sở dữ liệu trên máy. Hãy tải lại trang."
            }
            StorageError::Corrupt { .. } => {
                "Một phần dữ liệu trên máy bị hỏng và đã được giữ nguyên. Hãy xuất bản sao lưu và báo lỗi này."
            }
            StorageError::Browser { .. } => {
                "Trình duyệt báo lỗi khi lưu hoặc đọc dữ liệu. Hãy tải lại trang; nếu vẫn lỗi, hãy khởi động lại trình duyệt."
            }
        }
    }
}
