//! The dossier of a commendation proposal (hồ sơ đề nghị khen thưởng,
//! Điều 84): its components (thành phần), and its history: sent to the
//! awarding authority, returned (bị trả lại) with a reason, sent again.
//!
//! The status is not stored: it follows from the history and the decisions
//! ([`dossier_status`]), so two devices recording events offline never
//! disagree about it. Events are a map keyed by id, so events recorded on
//! two devices both stay.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::office_doc::{OfficeDoc, Proposal};
use super::value::{DateText, DossierEventKind, DossierPart};
use crate::domain::Title;
use crate::domain::rules::Date;

/// A proposal's dossier.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dossier {
    /// Components ready (đã có), keyed by [`DossierPart`] code.
    #[autosurgeon(missing = "Default::default")]
    pub parts: BTreeMap<String, bool>,
    /// Sent, returned, sent again: keyed by an id that sorts by the time the
    /// event was recorded.
    #[autosurgeon(missing = "Default::default")]
    pub events: BTreeMap<String, DossierEvent>,
}

/// One step of a dossier's history.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DossierEvent {
    pub kind: DossierEventKind,
    pub date: DateText,
    /// Why it was returned, or what was sent.
    #[autosurgeon(missing = "Default::default")]
    pub note: String,
}

/// Where a dossier stands (tình trạng hồ sơ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DossierStatus {
    /// Đang chuẩn bị: not sent yet.
    Preparing,
    /// Đã gửi: waiting for the decision.
    Sent,
    /// Bị trả lại: to be completed and sent again.
    Returned,
    /// Đã có quyết định.
    Decided,
}

impl DossierStatus {
    pub fn name_vi(self) -> &'static str {
        match self {
            DossierStatus::Preparing => "đang chuẩn bị",
            DossierStatus::Sent => "đã gửi",
            DossierStatus::Returned => "bị trả lại",
            DossierStatus::Decided => "đã có quyết định",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            DossierStatus::Preparing => "being prepared",
            DossierStatus::Sent => "sent",
            DossierStatus::Returned => "returned",
            DossierStatus::Decided => "decided",
        }
    }
}

/// The components a dossier for `title` needs: the proposal (tờ trình),
/// the minutes of the emulation council's meeting (biên bản họp Hội đồng
/// thi đua, khen thưởng), the achievement report (báo cáo thành tích), and
/// for the Chiến sĩ thi đua titles the proof of an initiative or research
/// and its scope.
pub fn required_parts(title: Option<Title>) -> Vec<DossierPart> {
    let mut parts = vec![
        DossierPart::ToTrinh,
        DossierPart::BienBan,
        DossierPart::BaoCaoThanhTich,
    ];
    if matches!(
        title,
        Some(Title::ChienSiThiDuaCoSo | Title::ChienSiThiDuaCapTinh | Title::ChienSiThiDuaToanQuoc)
    ) {
        parts.push(DossierPart::MinhChungSangKien);
    }
    parts
}

/// Required components not yet ready.
pub fn missing_parts(p: &Proposal) -> Vec<DossierPart> {
    use super::value::TextCode;
    required_parts(p.title)
        .into_iter()
        .filter(|part| !p.dossier.parts.get(part.code()).copied().unwrap_or(false))
        .collect()
}

/// The events in the order they happened: by date, then by key (the app
/// keys events with the time they were recorded, so events of one day keep
/// their order).
pub fn history(p: &Proposal) -> Vec<(&String, &DossierEvent)> {
    let mut events: Vec<_> = p.dossier.events.iter().collect();
    events.sort_by(|a, b| (a.1.date.date(), a.0).cmp(&(b.1.date.date(), b.0)));
    events
}

/// The first day the dossier was sent, when it was.
pub fn first_sent(p: &Proposal) -> Option<Date> {
    p.dossier
        .events
        .values()
        .filter(|e| e.kind == DossierEventKind::Sent)
        .filter_map(|e| e.date.date())
        .min()
}

/// Where the dossier of proposal `id` stands: decided when a decision
/// grants it, else as its last event says.
pub fn dossier_status(office: &OfficeDoc, id: &str, p: &Proposal) -> DossierStatus {
    if office
        .decisions
        .values()
        .any(|d| d.proposal_ids.iter().any(|x| x == id))
    {
        return DossierStatus::Decided;
    }
    match history(p).last().map(|(_, e)| e.kind) {
        None => DossierStatus::Preparing,
        Some(DossierEventKind::Sent) => DossierStatus::Sent,
        Some(DossierEventKind::Returned) => DossierStatus::Returned,
    }
}
