//! Cluster set-up (thiết lập cụm thi đua): name and year, members with
//! validity dates and predecessors, leader and deputy (Cụm trưởng, Cụm
//! phó), movements, plans, the covenant, the scoring table (sections and
//! criteria with maximum points), deadlines and rule settings. Only the
//! leading office edits; the others read.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::domain::RuleCatalog;
use shared::schema::write::put_entry;
use shared::schema::{ClusterDoc, Criterion, Deadline, Member, Movement, Plan, Section};

use super::cluster_inspections::ClusterInspections;
use super::form::{
    AddForm, DeleteButton, DocCtx, Field, Kind, Opt, Problem, TextInput, date_problem, error_for,
    fmt_points, movement_kind_opts, new_id, parse_date, save, show_date,
};
use super::office::cluster_memo;
use super::records::OpenButton;
use super::widgets::ReadOnlyNote;
use super::{DriverRef, use_driver, use_signals};
use crate::i18n::{tr, use_lang};

/// "Tuyên Quang (trước 01/07/2025: Hà Giang)" — a member with what it continues.
pub fn member_label(c: &ClusterDoc, m: &Member) -> String {
    let base = if m.province.is_empty() {
        m.name.clone()
    } else {
        m.province.clone()
    };
    let preds: Vec<String> = m
        .predecessors
        .iter()
        .map(|p| {
            c.members
                .get(p)
                .map(|x| {
                    if x.province.is_empty() {
                        x.name.clone()
                    } else {
                        x.province.clone()
                    }
                })
                .unwrap_or_else(|| p.clone())
        })
        .collect();
    let mut out = base;
    if !preds.is_empty() {
        match &m.valid_from {
            Some(from) => out.push_str(&format!(
                " (trước {}: {})",
                from.display_vi(),
                preds.join(", ")
            )),
            None => out.push_str(&format!(" (kế thừa: {})", preds.join(", "))),
        }
    }
    if let Some(until) = &m.valid_until {
        out.push_str(&format!(" — đến {}", until.display_vi()));
    }
    out
}

/// One field of a generic record list.
#[derive(Clone, Copy)]
struct Spec {
    key: &'static str,
    kind: Kind,
    vi: &'static str,
    en: &'static str,
}

const fn spec(key: &'static str, kind: Kind, vi: &'static str, en: &'static str) -> Spec {
    Spec { key, kind, vi, en }
}

#[component]
pub fn ClusterSetupPage() -> impl IntoView {
    let lang = use_lang();
    let drv = use_driver();
    let signals = use_signals();
    let Some(doc) = drv.with_value(|d| d.session().directory.cluster_doc()) else {
        return view! { <p class="error">"?"</p> }.into_any();
    };
    let ctx = DocCtx::new(drv, signals, doc);
    let cluster = cluster_memo(drv, signals);
    let keys = move |f: fn(&ClusterDoc) -> Vec<String>| Memo::new(move |_| cluster.with(f));
    let member_ids = keys(|c| c.members.keys().cloned().collect());
    let movement_ids = keys(|c| c.movements.keys().cloned().collect());
    let plan_ids = keys(|c| c.plans.keys().cloned().collect());
    let section_ids = keys(|c| {
        let mut v: Vec<(&String, &Section)> = c.sections.iter().collect();
        v.sort_by_key(|(id, s)| (s.order, (*id).clone()));
        v.into_iter().map(|(id, _)| id.clone()).collect()
    });
    let criterion_ids = keys(|c| {
        c.criteria_in_order()
            .into_iter()
            .map(|(id, _)| id.to_string())
            .collect()
    });
    let deadline_ids = keys(|c| {
        let mut v: Vec<(&String, &Deadline)> = c.deadlines.iter().collect();
        v.sort_by_key(|(id, d)| (d.date.0.clone(), (*id).clone()));
        v.into_iter().map(|(id, _)| id.clone()).collect()
    });
    let current_members = Signal::derive(move || {
        cluster.with(|c| {
            c.members
                .values()
                .filter(|m| m.valid_until.is_none())
                .map(|m| Opt::named(&m.code, &member_label(c, m)))
                .collect::<Vec<_>>()
        })
    });
    let deputy_opts = Signal::derive(move || {
        let mut v = vec![Opt::new("", "— không có —", "— none —")];
        v.extend(current_members.get());
        v
    });
    let section_opts = Signal::derive(move || {
        cluster.with(|c| {
            let mut v: Vec<(&String, &Section)> = c.sections.iter().collect();
            v.sort_by_key(|(id, s)| (s.order, (*id).clone()));
            v.into_iter()
                .map(|(id, s)| Opt::named(id, &s.title))
                .collect::<Vec<_>>()
        })
    });
    let rounding_opts = Signal::derive(|| {
        vec![
            Opt::new("", "— theo bộ quy tắc —", "— as the rule set says —"),
            Opt::new("down", "Làm tròn xuống", "Round down"),
            Opt::new("nearest", "Làm tròn đến số gần nhất", "Round to nearest"),
            Opt::new("up", "Làm tròn lên", "Round up"),
        ]
    });
    let rule_set_opts = Signal::derive(|| {
        let mut v = vec![Opt::new(
            "",
            "— bộ quy tắc đang có hiệu lực —",
            "— the rule set in force —",
        )];
        v.extend(RuleCatalog::defaults().rule_sets().iter().map(|r| {
            let from = r.effective_from;
            let (period_vi, period_en) = match r.effective_until {
                Some(u) => (format!("{from}–{u}"), format!("{from}–{u}")),
                None => (format!("từ {from}"), format!("{from} on")),
            };
            Opt::new(
                &r.id,
                &format!("{} ({period_vi})", r.name),
                &format!("{} ({period_en})", r.name),
            )
        }));
        v
    });
    let headings = move |f: fn(&ClusterDoc) -> BTreeMap<String, String>| {
        Signal::derive(move || cluster.with(f))
    };
    let member_heads = headings(|c| {
        c.members
            .iter()
            .map(|(id, m)| (id.clone(), format!("{id} · {}", member_label(c, m))))
            .collect()
    });
    let movement_heads = headings(|c| {
        c.movements
            .iter()
            .map(|(id, m)| (id.clone(), m.name.clone()))
            .collect()
    });
    let plan_heads = headings(|c| {
        c.plans
            .iter()
            .map(|(id, p)| (id.clone(), format!("{} {}", p.number, p.title)))
            .collect()
    });
    let section_heads = headings(|c| {
        c.sections
            .iter()
            .map(|(id, s)| (id.clone(), s.title.clone()))
            .collect()
    });
    let criterion_heads = headings(|c| {
        c.criteria
            .iter()
            .map(|(id, cr)| {
                (
                    id.clone(),
                    format!("{id} — {} ({} điểm)", cr.title, fmt_points(cr.max_points)),
                )
            })
            .collect()
    });
    let deadline_heads = headings(|c| {
        c.deadlines
            .iter()
            .map(|(id, d)| (id.clone(), format!("{} — {}", d.name, d.date.display_vi())))
            .collect()
    });
    let max_total = move || fmt_points(cluster.with(|c| c.max_total()));
    let root = Vec::<String>::new();

    view! {
        <section class="cluster-setup" data-testid="cluster-setup">
            <nav class="sub-nav">
                <a class="sub-link" href="#/cum">{move || tr(lang.get(), "Các đơn vị", "Offices")}</a>
                <a class="sub-link active" href="#/cum/thiet-lap">{move || tr(lang.get(), "Thiết lập cụm", "Cluster set-up")}</a>
            </nav>
            <h2>{move || tr(lang.get(), "Thiết lập cụm thi đua", "Cluster set-up")}</h2>
            <ReadOnlyNote ctx=ctx
                vi="Chỉ xem: chỉ đơn vị Cụm trưởng được sửa thiết lập cụm."
                en="Read-only: only the leading office (Cụm trưởng) edits the cluster set-up." />
            <div class="card">
                <div class="fields">
                    <Field ctx=ctx path=root.clone() key="name" kind=Kind::Required vi="Tên cụm" en="Cluster name" testid="cluster-name" what="Thiết lập cụm" />
                    <Field ctx=ctx path=root.clone() key="year" kind=Kind::Year vi="Năm thi đua" en="Year" testid="cluster-year" what="Thiết lập cụm" />
                    <Field ctx=ctx path=root.clone() key="leader" kind=Kind::Choice(current_members) vi="Cụm trưởng" en="Leader" testid="cluster-leader" what="Thiết lập cụm"
                        hint=("Đổi Cụm trưởng thì đơn vị mới sẽ sửa thiết lập này.", "The new leader edits this set-up from then on.") />
                    <Field ctx=ctx path=root.clone() key="deputy" kind=Kind::Choice(deputy_opts) vi="Cụm phó" en="Deputy" testid="cluster-deputy" what="Thiết lập cụm" />
                </div>
            </div>

            <h3>{move || tr(lang.get(), "Đơn vị thành viên", "Member offices")}</h3>
            <RecordList ctx=ctx map="members" ids=member_ids heads=member_heads what="Thành viên" specs=vec![
                spec("name", Kind::Required, "Tên đơn vị", "Name"),
                spec("province", Kind::Text, "Tỉnh", "Province"),
                spec("validFrom", Kind::Date, "Từ ngày", "Valid from"),
                spec("validUntil", Kind::Date, "Đến ngày", "Valid until"),
                spec("predecessors", Kind::CodeList, "Kế thừa từ (mã)", "Continues (codes)"),
                spec("provinceSystemFrom", Kind::Date, "Thuộc hệ thống thi đua của tỉnh từ ngày", "In the province's emulation system from"),
            ] />
            {move || ctx.editable.get().then(|| view! { <AddMember drv=drv ctx=ctx /> })}

            <h3>{move || tr(lang.get(), "Phong trào thi đua", "Emulation movements")}</h3>
            <RecordList ctx=ctx map="movements" ids=movement_ids heads=movement_heads what="Phong trào" specs=vec![
                spec("name", Kind::Required, "Tên phong trào", "Name"),
                spec("kind", Kind::Choice(Signal::derive(movement_kind_opts)), "Loại", "Kind"),
                spec("startDate", Kind::Date, "Ngày phát động", "Launched"),
                spec("endDate", Kind::Date, "Ngày kết thúc", "Ends"),
                spec("description", Kind::Area, "Nội dung", "Description"),
            ] />
            {move || ctx.editable.get().then(|| view! {
                <QuickAdd testid="movement" fields=&[("name", "Tên phong trào", "Name", "Cả nước chung tay vì người nghèo – Không để ai bị bỏ lại phía sau")]
                    button=("Thêm phong trào", "Add movement")
                    on_add=Callback::new(move |v: Vec<String>| {
                        let m = Movement { name: v[0].clone(), ..Movement::default() };
                        save(drv, ctx.doc, &format!("Thêm phong trào: {}", m.name), |tx| put_entry(tx, &["movements"], &new_id("pt"), &m))
                    }) />
            })}

            <h3>{move || tr(lang.get(), "Kế hoạch", "Plans")}</h3>
            <RecordList ctx=ctx map="plans" ids=plan_ids heads=plan_heads what="Kế hoạch" specs=vec![
                spec("number", Kind::Text, "Số, ký hiệu", "Number"),
                spec("date", Kind::Date, "Ngày", "Date"),
                spec("title", Kind::Text, "Trích yếu", "Title"),
            ] />
            {move || ctx.editable.get().then(|| view! {
                <QuickAdd testid="plan" fields=&[("number", "Số, ký hiệu", "Number", "15/KH-CTĐ"), ("title", "Trích yếu", "Title", "")]
                    button=("Thêm kế hoạch", "Add plan")
                    on_add=Callback::new(move |v: Vec<String>| {
                        let p = Plan { number: v[0].clone(), title: v[1].clone(), date: None };
                        save(drv, ctx.doc, &format!("Thêm kế hoạch {}", p.number), |tx| put_entry(tx, &["plans"], &new_id("kh"), &p))
                    }) />
            })}

            <h3>{move || tr(lang.get(), "Giao ước thi đua", "Covenant")}</h3>
            <div class="card">
                <div class="fields">
                    <Field ctx=ctx path=vec!["covenant".to_string()] key="title" kind=Kind::Text vi="Tên giao ước" en="Title" testid="covenant-title" what="Giao ước" />
                    <Field ctx=ctx path=vec!["covenant".to_string()] key="date" kind=Kind::Date vi="Ngày ký kết" en="Date signed" testid="covenant-date-cluster" what="Giao ước" />
                    <Field ctx=ctx path=vec!["covenant".to_string()] key="text" kind=Kind::Area vi="Nội dung giao ước" en="Text" testid="covenant-text" what="Giao ước" />
                </div>
            </div>

            <h3>{move || tr(lang.get(), "Bảng chấm điểm", "Scoring table")}" "<span class="muted small">{move || format!("({} {})", tr(lang.get(), "tổng tối đa", "total maximum"), max_total())}</span></h3>
            <h4>{move || tr(lang.get(), "Phần", "Sections")}</h4>
            <RecordList ctx=ctx map="sections" ids=section_ids heads=section_heads what="Phần bảng điểm" specs=vec![
                spec("title", Kind::Required, "Tên phần", "Title"),
                spec("order", Kind::Count, "Thứ tự", "Order"),
            ] />
            {move || ctx.editable.get().then(|| view! {
                <QuickAdd testid="section" fields=&[("title", "Tên phần", "Title", "IV. Công tác khác")]
                    button=("Thêm phần", "Add section")
                    on_add=Callback::new(move |v: Vec<String>| {
                        let order = cluster.with_untracked(|c| c.sections.values().map(|s| s.order).max().unwrap_or(0) + 1);
                        let s = Section { title: v[0].clone(), order };
                        save(drv, ctx.doc, &format!("Thêm phần bảng điểm: {}", s.title), |tx| put_entry(tx, &["sections"], &new_id("S"), &s))
                    }) />
            })}
            <h4>{move || tr(lang.get(), "Tiêu chí", "Criteria")}</h4>
            <RecordList ctx=ctx map="criteria" ids=criterion_ids heads=criterion_heads what="Tiêu chí" specs=vec![
                spec("section", Kind::Choice(section_opts), "Phần", "Section"),
                spec("title", Kind::Required, "Tiêu chí", "Criterion"),
                spec("maxPoints", Kind::Points, "Điểm tối đa", "Maximum points"),
                spec("order", Kind::Count, "Thứ tự", "Order"),
                spec("description", Kind::Area, "Hướng dẫn chấm", "How to score"),
            ] />
            {move || ctx.editable.get().then(|| view! {
                <QuickAdd testid="criterion" fields=&[("id", "Mã tiêu chí", "Id", "C7"), ("title", "Tiêu chí", "Criterion", ""), ("maxPoints", "Điểm tối đa", "Maximum", "10")]
                    button=("Thêm tiêu chí", "Add criterion")
                    on_add=Callback::new(move |v: Vec<String>| {
                        let id = v[0].trim().to_string();
                        if id.is_empty() || cluster.with_untracked(|c| c.criteria.contains_key(&id)) {
                            return Err(vec![Problem::at("id", "Mã tiêu chí trống hoặc đã có.", "The id is empty or taken.")]);
                        }
                        let Ok(max) = v[2].trim().replace(',', ".").parse::<f64>() else {
                            return Err(vec![Problem::at("maxPoints", "Hãy nhập số điểm, ví dụ 10.", "Enter a number, e.g. 10.")]);
                        };
                        let (section, order) = cluster.with_untracked(|c| {
                            let s = c.sections.iter().max_by_key(|(_, s)| s.order).map(|(id, _)| id.clone()).unwrap_or_default();
                            (s, c.criteria.values().map(|c| c.order).max().unwrap_or(0) + 1)
                        });
                        let cr = Criterion { section, title: v[1].clone(), max_points: max, order, description: String::new() };
                        save(drv, ctx.doc, &format!("Thêm tiêu chí {id}: {}", cr.title), |tx| put_entry(tx, &["criteria"], &id, &cr))
                    }) />
            })}

            <h3>{move || tr(lang.get(), "Thời hạn", "Deadlines")}</h3>
            <RecordList ctx=ctx map="deadlines" ids=deadline_ids heads=deadline_heads what="Thời hạn" specs=vec![
                spec("name", Kind::Required, "Việc", "What"),
                spec("date", Kind::ReqDate, "Hạn", "Date"),
                spec("note", Kind::Text, "Ghi chú", "Note"),
            ] />
            {move || ctx.editable.get().then(|| view! {
                <QuickAdd testid="deadline" fields=&[("name", "Việc", "What", "Đăng ký thi đua"), ("date", "Hạn", "Date", "25/03/2026")]
                    button=("Thêm thời hạn", "Add deadline")
                    on_add=Callback::new(move |v: Vec<String>| {
                        let Some(date) = parse_date(&v[1]) else {
                            return Err(vec![date_problem()]);
                        };
                        let d = Deadline { name: v[0].clone(), date: date.into(), note: String::new() };
                        save(drv, ctx.doc, &format!("Thêm thời hạn: {} — {}", d.name, show_date(Some(&d.date))), |tx| put_entry(tx, &["deadlines"], &new_id("h"), &d))
                    }) />
            })}

            <h3>{move || tr(lang.get(), "Kế hoạch và kết luận kiểm tra của Cụm", "The cluster's inspection plan and conclusions")}</h3>
            <ClusterInspections ctx=ctx cluster=cluster />

            <h3>{move || tr(lang.get(), "Cấu hình quy tắc", "Rule settings")}</h3>
            <div class="card">
                <div class="fields">
                    <Field ctx=ctx path=vec!["ruleSettings".to_string()] key="overrideCstdcsCap" kind=Kind::Check vi="Cụm tự đặt tỷ lệ Chiến sĩ thi đua cơ sở" en="The cluster sets its own cap on Grassroots Emulation Fighters" testid="rule-override" what="Cấu hình quy tắc" />
                    <Field ctx=ctx path=vec!["ruleSettings".to_string()] key="cstdcsCapPercent" kind=Kind::OptCount vi="Tỷ lệ tối đa (%)" en="Cap (%)" testid="rule-cap" what="Cấu hình quy tắc"
                        hint=("Tính trên số cá nhân đạt Lao động tiên tiến; để trống: không giới hạn.", "Of the individuals awarded Advanced Worker; empty: no cap.") />
                    <Field ctx=ctx path=vec!["ruleSettings".to_string()] key="cstdcsCapRounding" kind=Kind::Choice(rounding_opts) vi="Cách làm tròn" en="Rounding" testid="rule-cap-rounding" what="Cấu hình quy tắc" />
                    <Field ctx=ctx path=vec!["ruleSettings".to_string()] key="cstdcsCapMinimum" kind=Kind::OptCount vi="Số người tối thiểu được xét" en="Minimum allowed" testid="rule-cap-minimum" what="Cấu hình quy tắc"
                        hint=("Để trống: theo bộ quy tắc (mặc định 1 người, để đơn vị nhỏ vẫn có thể đạt Tập thể lao động xuất sắc).", "Empty: as the rule set says (1 by default, so that a small office can still reach Excellent Labour Collective).") />
                    <Field ctx=ctx path=vec!["ruleSettings".to_string()] key="ruleSetId" kind=Kind::Choice(rule_set_opts) vi="Bộ quy tắc" en="Rule set" testid="rule-set" what="Cấu hình quy tắc" />
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// A list of records of one map of the cluster document, each with its fields.
#[component]
fn RecordList(
    ctx: DocCtx,
    map: &'static str,
    ids: Memo<Vec<String>>,
    heads: Signal<BTreeMap<String, String>>,
    specs: Vec<Spec>,
    what: &'static str,
) -> impl IntoView {
    let specs = StoredValue::new(specs);
    view! {
        <div class="cards" data-testid=format!("{map}-list")>
            <For each=move || ids.get() key=|id| id.clone() let:id>
                {
                    let open = RwSignal::new(false);
                    let id2 = id.clone();
                    let head = move || heads.with(|h| h.get(&id2).cloned().unwrap_or_default());
                    let path = vec![map.to_string(), id.clone()];
                    let what = format!("{what} {}", head());
                    let id3 = id.clone();
                    view! {
                        <div class="card" data-testid=format!("{map}-{id}")>
                            <div class="card-head">
                                <span data-testid="record-head">{head}</span>
                                <OpenButton open=open ctx=ctx />
                            </div>
                            {move || open.get().then(|| {
                                let path = path.clone();
                                let what = what.clone();
                                let id3 = id3.clone();
                                view! {
                                    <div class="fields">
                                        {specs.get_value().into_iter().map(|s| view! {
                                            <Field ctx=ctx path=path.clone() key=s.key kind=s.kind vi=s.vi en=s.en testid=format!("{map}-{id3}-{}", s.key) what=what.clone() />
                                        }).collect_view()}
                                    </div>
                                    <DeleteButton ctx=ctx path=vec![map.to_string()] id=id3.clone() summary=format!("Xoá {}", shared::domain::lower_first(&what)) testid=format!("{map}-{id3}-delete") />
                                }
                            })}
                        </div>
                    }
                }
            </For>
        </div>
    }
}

/// A one-line form that adds a record from a few texts.
#[component]
fn QuickAdd(
    testid: &'static str,
    /// (key, Vietnamese label, English label, placeholder)
    fields: &'static [(&'static str, &'static str, &'static str, &'static str)],
    button: (&'static str, &'static str),
    on_add: Callback<Vec<String>, Result<(), Vec<Problem>>>,
) -> impl IntoView {
    let lang = use_lang();
    let values: Vec<RwSignal<String>> = fields
        .iter()
        .map(|_| RwSignal::new(String::new()))
        .collect();
    let problems = RwSignal::new(Vec::<Problem>::new());
    let keys: &'static [&'static str] = Box::leak(
        fields
            .iter()
            .map(|f| f.0)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let vals = values.clone();
    let add = move || {
        let texts: Vec<String> = vals
            .iter()
            .map(|v| v.get_untracked().trim().to_string())
            .collect();
        if let Some(i) = texts.iter().position(|t| t.is_empty()) {
            return Err(vec![Problem::at(
                fields[i].0,
                "Cần nhập nội dung.",
                "This cannot be empty.",
            )]);
        }
        on_add.run(texts)?;
        for v in &vals {
            v.set(String::new());
        }
        Ok(())
    };
    view! {
        <AddForm testid=testid problems=problems keys=keys button=button on_add=add>
            <div class="fields">
                {fields.iter().zip(values).map(|((key, vi, en, ph), v)| view! {
                    <TextInput value=v vi=vi en=en testid=format!("{testid}-{key}-input") placeholder=ph error=error_for(lang, problems, key) />
                }).collect_view()}
            </div>
        </AddForm>
    }
}

#[component]
fn AddMember(drv: DriverRef, ctx: DocCtx) -> impl IntoView {
    view! {
        <QuickAdd testid="member" fields=&[("code", "Mã", "Code", "TQG"), ("province", "Tỉnh", "Province", "Tuyên Quang"), ("name", "Tên đơn vị", "Name", "Văn phòng Đoàn ĐBQH và HĐND tỉnh …")]
            button=("Thêm đơn vị", "Add member")
            on_add=Callback::new(move |v: Vec<String>| {
                let code = v[0].trim().to_uppercase();
                let m = Member { code: code.clone(), province: v[1].clone(), name: v[2].clone(), ..Member::default() };
                save(drv, ctx.doc, &format!("Thêm đơn vị thành viên {} ({code})", m.province), |tx| put_entry(tx, &["members"], &code, &m))
            }) />
    }
}
