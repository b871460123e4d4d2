//! The glossary (thuật ngữ): terms used on more than one screen or in the
//! exports, written once, in the words an administrative writer uses.
//! Screens and exports take their labels from here so that one thing has
//! one name everywhere.
//!
//! Avoided on purpose: calques such as "độ mới của dữ liệu" or "dữ liệu
//! đến" (write "cập nhật đến"), "chưa xong" (write "chưa thực hiện xong"),
//! "bỏ phiếu dẫn đầu" (the cluster's vote is "suy tôn"), "đơn vị tôi"
//! (write "đơn vị của tôi").

/// A term in Vietnamese and English.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub vi: &'static str,
    pub en: &'static str,
}

const fn term(vi: &'static str, en: &'static str) -> Term {
    Term { vi, en }
}

/// The user's own office.
pub const MY_OFFICE: Term = term("Đơn vị của tôi", "My office");
/// Tag beside the user's own office in a list.
pub const MINE: Term = term("đơn vị của tôi", "mine");
/// How recent an office's data is (column header).
pub const UPDATED_AS_OF: Term = term("Cập nhật đến", "Data as of");
/// The same, inside a sentence: "cập nhật đến 02/12/2026 10:15".
pub const UPDATED_AS_OF_LOWER: Term = term("cập nhật đến", "data as of");
/// Recommendations of an inspection not yet carried out in full.
pub const OPEN_RECOMMENDATIONS: Term = term(
    "Kiến nghị chưa thực hiện xong",
    "Recommendations not yet carried out",
);
/// The cluster's vote for its leading office (suy tôn đơn vị dẫn đầu).
pub const LEADING_VOTE: Term = term("Suy tôn đơn vị dẫn đầu", "Leading office vote");
/// Ballots for an office in that vote (a column).
pub const LEADING_VOTES: Term = term("Phiếu suy tôn dẫn đầu", "Votes as leading office");
/// Registrations for titles (đăng ký thi đua).
pub const REGISTRATIONS: Term = term("Đăng ký thi đua", "Registrations");
/// Targets of an office for the year (chỉ tiêu).
pub const TARGETS: Term = term("Chỉ tiêu", "Targets");
/// Days from a proposal to its decision.
pub const DAYS_TO_DECISION: Term = term(
    "Số ngày bình quân (tờ trình → quyết định)",
    "Average days (proposal → decision)",
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The calques the glossary replaces never come back in its terms.
    #[test]
    fn terms_avoid_the_known_calques() {
        let all = [
            MY_OFFICE,
            MINE,
            UPDATED_AS_OF,
            UPDATED_AS_OF_LOWER,
            OPEN_RECOMMENDATIONS,
            LEADING_VOTE,
            LEADING_VOTES,
            REGISTRATIONS,
            TARGETS,
            DAYS_TO_DECISION,
        ];
        for t in all {
            let vi = t.vi.to_lowercase();
            for bad in [
                "độ mới",
                "dữ liệu đến",
                "chưa xong",
                "bỏ phiếu",
                "đơn vị tôi",
            ] {
                assert!(
                    !vi.contains(bad) || vi.contains("chưa thực hiện xong"),
                    "{bad:?} in {vi:?}"
                );
            }
        }
    }

    /// Every `.rs` file under `dir`.
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The known bad phrases of the domain review appear in no string the
    /// app, the relay or the exports show (comments may name them).
    #[test]
    fn no_shown_text_uses_the_known_bad_phrases() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["app/src", "shared/src", "server/src"] {
            sources(&root.join(dir), &mut files);
        }
        assert!(files.len() > 50, "found {} source files", files.len());
        let bad = [
            "độ mới",
            "dữ liệu đến",
            "kiến nghị chưa xong",
            "chuỗi bị gián đoạn",
            "dẫn đầu (bỏ phiếu)",
            "đơn vị tôi",
            "phương án\"",
            "luật tđkt",
            "bỏ phiếu lại",
            "chưa lên máy chủ",
            "chưa có điều kiện nào",
        ];
        let mut found = Vec::new();
        for file in &files {
            if file.ends_with("glossary.rs") {
                continue;
            }
            let text = std::fs::read_to_string(file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") || !code.contains('"') {
                    continue;
                }
                let lower = code.to_lowercase();
                for b in bad {
                    if lower.contains(b) {
                        found.push(format!("{}:{}: {b}", file.display(), n + 1));
                    }
                }
            }
        }
        assert!(found.is_empty(), "{found:#?}");
    }
}
