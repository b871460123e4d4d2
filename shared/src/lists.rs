//! The office's record lists as the screens show them (danh sách): which
//! records of a year, in which order, matching a search. One pure function
//! per kind of record, so the order a clerk picks is the same on every
//! device and is tested here, not in the browser.
//!
//! - [`staff`]: the roster, everyone / on the staff in the year / left,
//!   by given name, position or arrival;
//! - [`registrations`]: a year's registrations, by name (the collective
//!   first), title or date;
//! - [`proposals`]: a year's proposals (tờ trình), all / undecided /
//!   decided, newest or oldest first, by the person proposed or by title;
//! - [`decisions`]: the decisions of a year (issued in it, or granting one
//!   of its proposals), newest or oldest first, or by number;
//! - [`inspections`]: the inspections hosted by the office, all / of the
//!   year / with shortcomings or recommendations not done yet, newest
//!   first;
//! - [`models`]: the exemplary models (gương điển hình) a search finds,
//!   for the board of stages;
//! - [`evaluations`]: the people of the year's title evaluation (bình
//!   xét), everyone / not evaluated yet / evaluated, by given name.
//!
//! Searches ignore tones and case ([`search_matches`]): "lo thi thu" finds
//! "Lò Thị Thử". Names sort by given name in Vietnamese collation
//! ([`compare_by_given_name`]); undated records come last in date orders.
//! The choices are named in Vietnamese and English ([`ListChoice`]) so the
//! screens list them without their own tables.

use std::cmp::Ordering;

use crate::domain::{Title, collation_key, compare_by_given_name, search_matches};
use crate::schema::OfficeDoc;
use crate::schema::value::DateText;

/// One of the choices of a list (a filter or an order): its code (kept in
/// the page's state), and its names.
pub trait ListChoice: Copy + Sized + 'static {
    /// Every choice, the default first.
    const ALL: &'static [Self];
    /// A stable code, e.g. `"newest"`.
    fn code(self) -> &'static str;
    /// (Vietnamese, English) name.
    fn names(self) -> (&'static str, &'static str);
    /// The choice with this code, else the default.
    fn from_code(code: &str) -> Self {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code)
            .unwrap_or(Self::ALL[0])
    }
}

/// Declares a list choice: `choice!(Name { Variant = "code", "vi", "en"; … })`.
macro_rules! choice {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $vi:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v,)+ }
        impl ListChoice for $name {
            const ALL: &'static [Self] = &[$(Self::$v),+];
            fn code(self) -> &'static str {
                match self { $(Self::$v => $code,)+ }
            }
            fn names(self) -> (&'static str, &'static str) {
                match self { $(Self::$v => ($vi, $en),)+ }
            }
        }
    };
}

choice!(
    /// Who of the roster is listed.
    StaffShow {
        /// Everyone ever on the roster.
        All = "all", "Tất cả cán bộ", "Everyone";
        /// On the staff on some day of the year shown.
        InYear = "year", "Đang công tác trong năm", "On the staff this year";
        /// Has a last day at the office.
        Left = "left", "Đã nghỉ hoặc chuyển công tác", "Left the office";
    }
);

choice!(
    /// The roster's order.
    StaffOrder {
        GivenName = "name", "Xếp theo tên", "By given name";
        Position = "position", "Xếp theo chức vụ", "By position";
        /// Newest arrival first; unknown dates last.
        Joined = "joined", "Mới về cơ quan trước", "Newest arrival first";
    }
);

choice!(
    /// A year's registrations' order.
    RegistrationOrder {
        /// The collective first, then people by given name.
        Name = "name", "Xếp theo tên (tập thể trước)", "By name (collective first)";
        Title = "title", "Xếp theo danh hiệu", "By title";
        /// Newest first; undated last.
        Date = "date", "Đăng ký gần nhất trước", "Latest registration first";
    }
);

choice!(
    /// Which of a year's proposals are listed.
    ProposalShow {
        All = "all", "Tất cả tờ trình", "All proposals";
        Undecided = "undecided", "Chưa có quyết định", "Not decided yet";
        Decided = "decided", "Đã có quyết định", "Decided";
    }
);

choice!(
    /// A year's proposals' order.
    ProposalOrder {
        Newest = "newest", "Tờ trình mới nhất trước", "Newest first";
        Oldest = "oldest", "Tờ trình cũ nhất trước", "Oldest first";
        /// People by given name, collectives by name after them.
        Subject = "subject", "Xếp theo người, tập thể được đề nghị", "By who is proposed";
        Title = "title", "Xếp theo danh hiệu, hình thức", "By title or award";
    }
);

choice!(
    /// The decisions' order.
    DecisionOrder {
        Newest = "newest", "Quyết định mới nhất trước", "Newest first";
        Oldest = "oldest", "Quyết định cũ nhất trước", "Oldest first";
        Number = "number", "Xếp theo số quyết định", "By number";
    }
);

choice!(
    /// Whose title evaluation of the year is listed.
    EvaluationShow {
        All = "all", "Tất cả cán bộ", "Everyone";
        /// No evaluation of the year yet.
        NotStarted = "todo", "Chưa bình xét", "Not evaluated yet";
        Started = "done", "Đã bình xét", "Evaluated";
    }
);

choice!(
    /// Which inspections hosted by the office are listed.
    InspectionShow {
        All = "all", "Tất cả các đợt kiểm tra", "All inspections";
        InYear = "year", "Các đợt trong năm đang xem", "This year's";
        /// A shortcoming or recommendation not done yet.
        Open = "open", "Còn hạn chế, kiến nghị chưa thực hiện xong", "With items not done yet";
    }
);

/// Dated records newest first (or oldest first), undated ones last, then by
/// id (the order of records added the same day is stable everywhere).
fn by_date(a: (&str, Option<&DateText>), b: (&str, Option<&DateText>), newest: bool) -> Ordering {
    let date = |d: Option<&DateText>| d.and_then(|d| d.date());
    match (date(a.1), date(b.1)) {
        (Some(x), Some(y)) if newest => y.cmp(&x),
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.0.cmp(b.0))
}

/// A record number in natural order: "9/QĐ-UBND" before "12/QĐ-UBND";
/// empty numbers (drafts) last.
fn by_number(a: &str, b: &str) -> Ordering {
    fn key(n: &str) -> (bool, u64, &str) {
        let digits: String = n.trim().chars().take_while(char::is_ascii_digit).collect();
        (n.trim().is_empty(), digits.parse().unwrap_or(u64::MAX), n)
    }
    key(a).cmp(&key(b))
}

/// The roster ([`StaffShow`], [`StaffOrder`]), searched in names and
/// positions.
pub fn staff(
    o: &OfficeDoc,
    year: i32,
    show: StaffShow,
    order: StaffOrder,
    query: &str,
) -> Vec<String> {
    let mut people: Vec<(&String, &crate::schema::Person)> = o
        .staff
        .iter()
        .filter(|(_, p)| match show {
            StaffShow::All => true,
            StaffShow::InYear => p.on_staff_in(year),
            StaffShow::Left => p.left_on.is_some(),
        })
        .filter(|(_, p)| search_matches(query, &format!("{} {}", p.full_name, p.position)))
        .collect();
    people.sort_by(|a, b| {
        let names = || compare_by_given_name(&a.1.full_name, &b.1.full_name);
        match order {
            StaffOrder::GivenName => names(),
            StaffOrder::Position => collation_key(&a.1.position)
                .cmp(&collation_key(&b.1.position))
                .then_with(names),
            StaffOrder::Joined => by_date(
                (a.0, a.1.joined_on.as_ref()),
                (b.0, b.1.joined_on.as_ref()),
                true,
            ),
        }
        .then_with(|| a.0.cmp(b.0))
    });
    people.into_iter().map(|(id, _)| id.clone()).collect()
}

/// A person's full name, or `""` for a collective or an unknown id.
fn full_name<'a>(o: &'a OfficeDoc, person: Option<&String>) -> &'a str {
    person
        .and_then(|p| o.staff.get(p))
        .map_or("", |p| p.full_name.as_str())
}

/// The registrations of `year` ([`RegistrationOrder`]), searched in the
/// person's name ("Tập thể đơn vị" for the collective) and the title.
pub fn registrations(
    o: &OfficeDoc,
    year: i32,
    order: RegistrationOrder,
    query: &str,
) -> Vec<String> {
    let mut rows: Vec<_> = o
        .registrations
        .iter()
        .filter(|(_, r)| r.year == year)
        .filter(|(_, r)| {
            let who = match &r.person_id {
                Some(p) => full_name(o, Some(p)),
                None => "Tập thể đơn vị",
            };
            search_matches(query, &format!("{who} {}", r.title.name_vi()))
        })
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| {
        let collective_first = b.person_id.is_none().cmp(&a.person_id.is_none());
        let names = || {
            compare_by_given_name(
                full_name(o, a.person_id.as_ref()),
                full_name(o, b.person_id.as_ref()),
            )
        };
        match order {
            RegistrationOrder::Name => collective_first.then_with(names),
            RegistrationOrder::Title => a
                .title
                .cmp(&b.title)
                .then(collective_first)
                .then_with(names),
            RegistrationOrder::Date => by_date((ia, a.date.as_ref()), (ib, b.date.as_ref()), true),
        }
        .then_with(|| ia.cmp(ib))
    });
    rows.into_iter().map(|(id, _)| id.clone()).collect()
}

/// Whether a decision grants the proposal `id`.
pub fn is_decided(o: &OfficeDoc, id: &str) -> bool {
    o.decisions
        .values()
        .any(|d| d.proposal_ids.iter().any(|p| p == id))
}

/// The proposals of `year` ([`ProposalShow`], [`ProposalOrder`]), searched
/// in the number, the person or collective, the title (as `title_name`
/// names it: the awarding authority depends on the office and date) and
/// the award.
pub fn proposals(
    o: &OfficeDoc,
    year: i32,
    show: ProposalShow,
    order: ProposalOrder,
    query: &str,
    title_name: &dyn Fn(Title) -> String,
) -> Vec<String> {
    let subject = |p: &crate::schema::Proposal| match &p.person_id {
        Some(id) => full_name(o, Some(id)).to_string(),
        None => p.subject_name.clone(),
    };
    let mut rows: Vec<_> = o
        .proposals
        .iter()
        .filter(|(_, p)| p.year == year)
        .filter(|(id, _)| match show {
            ProposalShow::All => true,
            ProposalShow::Undecided => !is_decided(o, id),
            ProposalShow::Decided => is_decided(o, id),
        })
        .filter(|(_, p)| {
            let title = p.title.map(title_name).unwrap_or_default();
            let text = format!("{} {} {title} {}", p.number, subject(p), p.award);
            search_matches(query, &text)
        })
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| {
        let newest = || by_date((ia, a.date.as_ref()), (ib, b.date.as_ref()), true);
        let subjects = || {
            // People (by given name) before collectives (by name).
            b.person_id
                .is_some()
                .cmp(&a.person_id.is_some())
                .then_with(|| match a.person_id.is_some() {
                    true => compare_by_given_name(&subject(a), &subject(b)),
                    false => collation_key(&subject(a)).cmp(&collation_key(&subject(b))),
                })
        };
        match order {
            ProposalOrder::Newest => newest(),
            ProposalOrder::Oldest => by_date((ia, a.date.as_ref()), (ib, b.date.as_ref()), false),
            ProposalOrder::Subject => subjects().then_with(newest),
            // Known titles in the rules' order, then other awards by name.
            ProposalOrder::Title => (a.title.is_none(), a.title)
                .cmp(&(b.title.is_none(), b.title))
                .then_with(|| collation_key(&a.award).cmp(&collation_key(&b.award)))
                .then_with(subjects),
        }
        .then_with(|| ia.cmp(ib))
    });
    rows.into_iter().map(|(id, _)| id.clone()).collect()
}

/// The decisions of `year`: issued in it (or undated), or granting one of
/// its proposals ([`DecisionOrder`]), searched in the number, the signer
/// and the citation.
pub fn decisions(o: &OfficeDoc, year: i32, order: DecisionOrder, query: &str) -> Vec<String> {
    let mut rows: Vec<_> = o
        .decisions
        .iter()
        .filter(|(_, d)| {
            d.date
                .as_ref()
                .and_then(|x| x.date())
                .is_none_or(|x| x.year() == year)
                || d.proposal_ids
                    .iter()
                    .any(|p| o.proposals.get(p).is_some_and(|p| p.year == year))
        })
        .filter(|(_, d)| {
            search_matches(query, &format!("{} {} {}", d.number, d.signer, d.citation))
        })
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| {
        match order {
            DecisionOrder::Newest => by_date((ia, a.date.as_ref()), (ib, b.date.as_ref()), true),
            DecisionOrder::Oldest => by_date((ia, a.date.as_ref()), (ib, b.date.as_ref()), false),
            DecisionOrder::Number => by_number(&a.number, &b.number),
        }
        .then_with(|| ia.cmp(ib))
    });
    rows.into_iter().map(|(id, _)| id.clone()).collect()
}

/// The inspections hosted by the office ([`InspectionShow`]), newest
/// first, searched in the team, the findings and the items' text.
pub fn inspections(o: &OfficeDoc, year: i32, show: InspectionShow, query: &str) -> Vec<String> {
    use crate::schema::value::FollowUpStatus;
    let mut rows: Vec<_> = o
        .inspections
        .iter()
        .filter(|(_, i)| match show {
            InspectionShow::All => true,
            InspectionShow::InYear => i
                .date
                .as_ref()
                .and_then(|d| d.date())
                .is_some_and(|d| d.year() == year),
            InspectionShow::Open => i
                .shortcomings
                .values()
                .chain(i.recommendations.values())
                .any(|f| f.status != FollowUpStatus::Done),
        })
        .filter(|(_, i)| {
            let items = i.shortcomings.values().chain(i.recommendations.values());
            let text: Vec<&str> = [i.team.as_str(), i.findings.as_str()]
                .into_iter()
                .chain(items.map(|f| f.text.as_str()))
                .collect();
            search_matches(query, &text.join(" "))
        })
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| by_date((ia, a.date.as_ref()), (ib, b.date.as_ref()), true));
    rows.into_iter().map(|(id, _)| id.clone()).collect()
}

/// The exemplary models matching `query` in the person's or collective's
/// name and the achievements, by name (people by given name first, then
/// collectives): the board shows them in their stages.
pub fn models(o: &OfficeDoc, query: &str) -> Vec<String> {
    let name = |m: &crate::schema::ExemplaryModel| match &m.person_id {
        Some(p) => full_name(o, Some(p)).to_string(),
        None => m.collective_name.clone(),
    };
    let mut rows: Vec<_> = o
        .exemplary_models
        .iter()
        .filter(|(_, m)| search_matches(query, &format!("{} {}", name(m), m.description)))
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| {
        b.person_id
            .is_some()
            .cmp(&a.person_id.is_some())
            .then_with(|| match a.person_id.is_some() {
                true => compare_by_given_name(&name(a), &name(b)),
                false => collation_key(&name(a)).cmp(&collation_key(&name(b))),
            })
            .then_with(|| ia.cmp(ib))
    });
    rows.into_iter().map(|(id, _)| id.clone()).collect()
}

/// The people on the staff in `year`, by given name, for the year's title
/// evaluation ([`EvaluationShow`]), searched in names and positions.
pub fn evaluations(o: &OfficeDoc, year: i32, show: EvaluationShow, query: &str) -> Vec<String> {
    let evaluated = |id: &String| {
        o.evaluations
            .values()
            .any(|e| e.person_id == *id && e.year == year)
    };
    staff(o, year, StaffShow::InYear, StaffOrder::GivenName, query)
        .into_iter()
        .filter(|id| match show {
            EvaluationShow::All => true,
            EvaluationShow::NotStarted => !evaluated(id),
            EvaluationShow::Started => evaluated(id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Decision, Person, Proposal, Registration};

    fn date(s: &str) -> Option<DateText> {
        Some(DateText(s.to_string()))
    }

    fn person(name: &str, position: &str, joined: Option<&str>, left: Option<&str>) -> Person {
        Person {
            full_name: name.to_string(),
            position: position.to_string(),
            joined_on: joined.and_then(date),
            left_on: left.and_then(date),
            ..Person::default()
        }
    }

    /// Lạng Sơn's office: four people, one of whom left in 2024.
    fn office() -> OfficeDoc {
        let mut o = OfficeDoc::new("LSN", "Văn phòng Đoàn ĐBQH và HĐND tỉnh Lạng Sơn");
        for (id, p) in [
            (
                "p1",
                person("Nguyễn Văn Bình", "Chuyên viên", Some("2015-03-01"), None),
            ),
            (
                "p2",
                person("Lò Thị Thử", "Chánh Văn phòng", Some("2020-09-15"), None),
            ),
            (
                "p3",
                person("Hoàng Văn An", "Phó Chánh Văn phòng", None, None),
            ),
            (
                "p4",
                person(
                    "Đặng Thị Ánh",
                    "Chuyên viên",
                    Some("2010-01-01"),
                    Some("2024-06-30"),
                ),
            ),
        ] {
            o.staff.insert(id.to_string(), p);
        }
        o
    }

    fn names(o: &OfficeDoc, ids: &[String]) -> Vec<String> {
        ids.iter().map(|id| o.staff[id].full_name.clone()).collect()
    }

    #[test]
    fn the_roster_sorts_by_given_name_position_or_arrival_and_filters_by_year() {
        let o = office();
        let all = staff(&o, 2026, StaffShow::All, StaffOrder::GivenName, "");
        // Given names: An, Ánh, Bình, Thử (tones after the base letter).
        assert_eq!(
            names(&o, &all),
            [
                "Hoàng Văn An",
                "Đặng Thị Ánh",
                "Nguyễn Văn Bình",
                "Lò Thị Thử"
            ]
        );
        let by_position = staff(&o, 2026, StaffShow::All, StaffOrder::Position, "");
        assert_eq!(
            names(&o, &by_position),
            [
                "Lò Thị Thử",
                "Đặng Thị Ánh",
                "Nguyễn Văn Bình",
                "Hoàng Văn An"
            ]
        );
        // Newest arrival first; the one whose arrival is unknown last.
        let joined = staff(&o, 2026, StaffShow::All, StaffOrder::Joined, "");
        assert_eq!(
            names(&o, &joined),
            [
                "Lò Thị Thử",
                "Nguyễn Văn Bình",
                "Đặng Thị Ánh",
                "Hoàng Văn An"
            ]
        );
        // Ánh left in June 2024: on the staff in 2024, not in 2026.
        let in_2026 = staff(&o, 2026, StaffShow::InYear, StaffOrder::GivenName, "");
        assert!(!names(&o, &in_2026).contains(&"Đặng Thị Ánh".to_string()));
        let in_2024 = staff(&o, 2024, StaffShow::InYear, StaffOrder::GivenName, "");
        assert!(names(&o, &in_2024).contains(&"Đặng Thị Ánh".to_string()));
        let left = staff(&o, 2026, StaffShow::Left, StaffOrder::GivenName, "");
        assert_eq!(names(&o, &left), ["Đặng Thị Ánh"]);
        // A search without tones, in names and positions.
        let found = staff(
            &o,
            2026,
            StaffShow::All,
            StaffOrder::GivenName,
            "chanh van phong",
        );
        assert_eq!(names(&o, &found), ["Hoàng Văn An", "Lò Thị Thử"]);
    }

    #[test]
    fn registrations_put_the_collective_first_and_sort_by_title_or_date() {
        let mut o = office();
        for (id, person, title, day) in [
            (
                "r1",
                Some("p1"),
                Title::ChienSiThiDuaCoSo,
                Some("2026-01-20"),
            ),
            ("r2", None, Title::TapTheLaoDongXuatSac, Some("2026-01-10")),
            ("r3", Some("p3"), Title::LaoDongTienTien, None),
            ("r4", Some("p2"), Title::LaoDongTienTien, Some("2026-02-01")),
        ] {
            o.registrations.insert(
                id.to_string(),
                Registration {
                    year: 2026,
                    person_id: person.map(str::to_string),
                    title,
                    date: day.and_then(date),
                    note: String::new(),
                },
            );
        }
        let mut old = o.registrations["r1"].clone();
        old.year = 2025;
        o.registrations.insert("r0".to_string(), old);
        let ids = |order, q| registrations(&o, 2026, order, q);
        assert_eq!(ids(RegistrationOrder::Name, ""), ["r2", "r3", "r1", "r4"]);
        assert_eq!(ids(RegistrationOrder::Title, ""), ["r3", "r4", "r1", "r2"]);
        assert_eq!(ids(RegistrationOrder::Date, ""), ["r4", "r1", "r2", "r3"]);
        assert_eq!(ids(RegistrationOrder::Name, "tap the"), ["r2"]);
        assert_eq!(
            ids(RegistrationOrder::Name, "lao dong tien tien"),
            ["r3", "r4"]
        );
    }

    #[test]
    fn proposals_filter_by_decision_and_sort_by_date_subject_or_title() {
        let mut o = office();
        for (id, person, collective, title, award, day) in [
            (
                "t1",
                Some("p1"),
                "",
                Some(Title::ChienSiThiDuaCoSo),
                "",
                Some("2026-11-20"),
            ),
            (
                "t2",
                None,
                "Phòng Tổng hợp",
                Some(Title::TapTheLaoDongTienTien),
                "",
                Some("2026-12-01"),
            ),
            (
                "t3",
                Some("p3"),
                "",
                None,
                "Huân chương Lao động hạng Ba",
                None,
            ),
            (
                "t4",
                Some("p2"),
                "",
                Some(Title::LaoDongTienTien),
                "",
                Some("2026-10-05"),
            ),
        ] {
            o.proposals.insert(
                id.to_string(),
                Proposal {
                    number: format!("{id}/TTr-VP"),
                    date: day.and_then(date),
                    person_id: person.map(str::to_string),
                    subject_name: collective.to_string(),
                    year: 2026,
                    title,
                    award: award.to_string(),
                    ..Proposal::default()
                },
            );
        }
        o.decisions.insert(
            "d1".to_string(),
            Decision {
                number: "88/QĐ-UBND".to_string(),
                date: date("2026-12-10"),
                proposal_ids: vec!["t1".to_string()],
                ..Decision::default()
            },
        );
        let name = |t: Title| t.name_vi().to_string();
        let ids = |show, order, q| proposals(&o, 2026, show, order, q, &name);
        assert_eq!(
            ids(ProposalShow::All, ProposalOrder::Newest, ""),
            ["t2", "t1", "t4", "t3"]
        );
        assert_eq!(
            ids(ProposalShow::All, ProposalOrder::Oldest, ""),
            ["t4", "t1", "t2", "t3"]
        );
        // People by given name (An, Bình, Thử), then the collective.
        assert_eq!(
            ids(ProposalShow::All, ProposalOrder::Subject, ""),
            ["t3", "t1", "t4", "t2"]
        );
        assert_eq!(
            ids(ProposalShow::All, ProposalOrder::Title, ""),
            ["t4", "t1", "t2", "t3"]
        );
        assert_eq!(
            ids(ProposalShow::Decided, ProposalOrder::Newest, ""),
            ["t1"]
        );
        assert_eq!(
            ids(ProposalShow::Undecided, ProposalOrder::Newest, ""),
            ["t2", "t4", "t3"]
        );
        assert_eq!(
            ids(ProposalShow::All, ProposalOrder::Newest, "huan chuong"),
            ["t3"]
        );
    }

    #[test]
    fn decisions_sort_by_date_or_by_number_in_natural_order() {
        let mut o = office();
        for (id, number, day) in [
            ("d1", "12/QĐ-UBND", Some("2026-03-01")),
            ("d2", "9/QĐ-UBND", Some("2026-05-01")),
            ("d3", "", None),
            ("d4", "100/QĐ-UBND", Some("2025-12-30")),
        ] {
            o.decisions.insert(
                id.to_string(),
                Decision {
                    number: number.to_string(),
                    date: day.and_then(date),
                    ..Decision::default()
                },
            );
        }
        let ids = |order| decisions(&o, 2026, order, "");
        // d4 was issued in 2025 and grants no proposal of 2026.
        assert_eq!(ids(DecisionOrder::Newest), ["d2", "d1", "d3"]);
        assert_eq!(ids(DecisionOrder::Oldest), ["d1", "d2", "d3"]);
        assert_eq!(ids(DecisionOrder::Number), ["d2", "d1", "d3"]);
        assert_eq!(decisions(&o, 2025, DecisionOrder::Number, ""), ["d4", "d3"]);
    }

    #[test]
    fn the_evaluation_list_shows_who_is_not_evaluated_yet() {
        let mut o = office();
        let e = crate::schema::TitleEvaluation::new("p2", 2026);
        o.evaluations
            .insert(crate::schema::evaluation_key("p2", 2026), e);
        let last_year = crate::schema::TitleEvaluation::new("p1", 2025);
        o.evaluations
            .insert(crate::schema::evaluation_key("p1", 2025), last_year);
        let ids = |show, q| evaluations(&o, 2026, show, q);
        // Ánh left in 2024: not in 2026's evaluation.
        assert_eq!(ids(EvaluationShow::All, ""), ["p3", "p1", "p2"]);
        assert_eq!(ids(EvaluationShow::NotStarted, ""), ["p3", "p1"]);
        assert_eq!(ids(EvaluationShow::Started, ""), ["p2"]);
        assert_eq!(ids(EvaluationShow::NotStarted, "binh"), ["p1"]);
    }

    #[test]
    fn inspections_of_the_year_or_with_items_not_done_newest_first() {
        use crate::schema::value::FollowUpStatus;
        use crate::schema::{FollowUp, Inspection};
        let mut o = office();
        let item = |text: &str, status| FollowUp {
            text: text.to_string(),
            status,
            ..FollowUp::default()
        };
        for (id, day, team, status) in [
            (
                "i1",
                Some("2025-06-12"),
                "Đoàn kiểm tra của Cụm",
                FollowUpStatus::Done,
            ),
            (
                "i2",
                Some("2026-05-20"),
                "Ban Thi đua - Khen thưởng tỉnh",
                FollowUpStatus::Done,
            ),
            ("i3", None, "Đoàn khảo sát", FollowUpStatus::Open),
        ] {
            let mut i = Inspection {
                date: day.and_then(date),
                team: team.to_string(),
                ..Inspection::default()
            };
            i.recommendations
                .insert("k1".to_string(), item("Bố trí cán bộ chuyên trách", status));
            o.inspections.insert(id.to_string(), i);
        }
        let ids = |show, q| inspections(&o, 2026, show, q);
        assert_eq!(ids(InspectionShow::All, ""), ["i2", "i1", "i3"]);
        assert_eq!(ids(InspectionShow::InYear, ""), ["i2"]);
        assert_eq!(ids(InspectionShow::Open, ""), ["i3"]);
        assert_eq!(ids(InspectionShow::All, "cum"), ["i1"]);
        assert_eq!(ids(InspectionShow::All, "chuyen trach").len(), 3);
    }

    #[test]
    fn models_are_found_by_name_or_achievement_people_first() {
        use crate::schema::ExemplaryModel;
        let mut o = office();
        for (id, person, collective, text) in [
            ("m1", None, "Phòng Tổng hợp", "Số hoá hồ sơ thi đua"),
            ("m2", Some("p1"), "", "Sáng kiến tiết kiệm văn phòng phẩm"),
            ("m3", Some("p3"), "", "Hỗ trợ đồng bào vùng lũ"),
        ] {
            let m = ExemplaryModel {
                person_id: person.map(str::to_string),
                collective_name: collective.to_string(),
                description: text.to_string(),
                ..ExemplaryModel::default()
            };
            o.exemplary_models.insert(id.to_string(), m);
        }
        assert_eq!(models(&o, ""), ["m3", "m2", "m1"]);
        assert_eq!(models(&o, "so hoa"), ["m1"]);
        assert_eq!(models(&o, "binh"), ["m2"]);
    }

    #[test]
    fn an_unknown_code_is_the_default_choice() {
        assert_eq!(ProposalOrder::from_code("nonsense"), ProposalOrder::Newest);
        assert_eq!(StaffShow::from_code("left"), StaffShow::Left);
        for c in ProposalOrder::ALL {
            assert_eq!(ProposalOrder::from_code(c.code()), *c);
        }
    }
}
