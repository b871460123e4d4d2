//! Relays on one PostgreSQL database (`serve --store postgres://…`), against
//! a real throwaway PostgreSQL server ([`thidua_tests::postgres`]).

use thidua_tests::postgres::TestPostgres;
use thidua_tests::{PATIENCE, TestRelay, root_text, set_text, temp_dir};

fn has_text(
    key: &'static str,
    doc: shared::protocol::DocumentId,
) -> impl Fn(&relay::client::ClientView<'_>) -> bool + Send + Sync + Clone + 'static {
    move |v| {
        v.core
            .doc(&doc)
            .is_some_and(|d| shared::schema::read::text(d, &automerge::ROOT, key).is_some())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_on_two_relays_of_one_database_see_each_others_changes() {
    let pg = TestPostgres::start();
    let url = pg.database("two_relays");
    let tokens = temp_dir("pg-two-relays");
    let one = TestRelay::start_on_postgres(&url, tokens.clone()).await;
    let two = TestRelay::start_on_postgres(&url, tokens).await;
    // The cluster was set up once, by the first relay; the second serves it.
    assert_eq!(one.directory(), two.directory());
    let doc = one.office_doc("LSN");
    let a = one.device("LSN", "may-a");
    let b = two.device("LSN", "may-b");
    for d in [&a, &b] {
        d.open(doc);
        d.wait_synced(doc, PATIENCE).await.unwrap();
    }
    set_text(&a, doc, "ghiChuA", "Gửi qua máy chủ 1").await;
    b.wait_until(
        "the edit made through relay 1",
        PATIENCE,
        has_text("ghiChuA", doc),
    )
    .await
    .unwrap();
    set_text(&b, doc, "ghiChuB", "Gửi qua máy chủ 2").await;
    a.wait_until(
        "the edit made through relay 2",
        PATIENCE,
        has_text("ghiChuB", doc),
    )
    .await
    .unwrap();
    // Another office's device, on relay 2, reads Lạng Sơn's document too.
    let reader = two.device("CBG", "doc-lsn");
    reader.open(doc);
    reader
        .wait_until("both edits", PATIENCE, move |v| {
            has_text("ghiChuA", doc)(v) && has_text("ghiChuB", doc)(v)
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_change_is_in_the_database_for_a_relay_started_later() {
    let pg = TestPostgres::start();
    let url = pg.database("later");
    let tokens = temp_dir("pg-later");
    let one = TestRelay::start_on_postgres(&url, tokens.clone()).await;
    let doc = one.office_doc("TQG");
    let a = one.device("TQG", "may-a");
    a.open(doc);
    a.wait_synced(doc, PATIENCE).await.unwrap();
    set_text(&a, doc, "ghiChu", "Đã lưu vào cơ sở dữ liệu").await;
    // Acknowledged: the relay's heads are the device's.
    a.wait_synced(doc, PATIENCE).await.unwrap();
    // A relay that did not run when the change was made reads it from the
    // database (no notification reached it).
    let later = TestRelay::start_on_postgres(&url, tokens).await;
    let b = later.device("TQG", "may-b");
    b.open(doc);
    b.wait_synced(doc, PATIENCE).await.unwrap();
    assert_eq!(
        root_text(&b, doc, "ghiChu").await.as_deref(),
        Some("Đã lưu vào cơ sở dữ liệu")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_a_newer_schema_is_refused_with_its_version() {
    let pg = TestPostgres::start();
    let url = pg.database("newer");
    relay::store::PgStore::open(&url, "test")
        .await
        .expect("a new database is set up");
    // Opening again is fine (the schema is up to date).
    relay::store::PgStore::open(&url, "test")
        .await
        .expect("opens again");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("UPDATE thidua_schema SET version = 99")
        .await
        .unwrap();
    let error = relay::store::PgStore::open(&url, "test")
        .await
        .expect_err("a newer schema is refused")
        .to_string();
    assert!(error.contains("version 99"), "{error}");
    assert!(error.contains("newer thidua-relay"), "{error}");
}

/// Start the relay binary on the database; returns the child and its LSN token.
async fn spawn_on(
    url: &str,
    tokens: &std::path::Path,
    port: u16,
) -> (tokio::process::Child, String) {
    let (child, printed) =
        thidua_tests::spawn_relay_with(tokens, port, &["--store", url, "--workers", "2"]).await;
    let token = printed
        .into_iter()
        .find(|(code, _)| code == "LSN")
        .map(|(_, t)| t)
        .expect("the relay printed a token for LSN");
    (child, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_one_relay_loses_nothing_acknowledged_and_the_other_relays_devices_see_it_all() {
    let pg = TestPostgres::start();
    let url = pg.database("sigkill");
    let tokens = temp_dir("pg-sigkill");
    let (port_a, port_b) = (thidua_tests::free_port(), thidua_tests::free_port());
    let (mut relay_a, token) = spawn_on(&url, &tokens, port_a).await;
    let (mut relay_b, _) = spawn_on(&url, &tokens, port_b).await;
    let directory: shared::cluster::Directory = {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let row = client
            .query_one("SELECT value FROM thidua_meta WHERE key = 'directory'", &[])
            .await
            .unwrap();
        serde_json::from_str(row.get::<_, &str>(0)).unwrap()
    };
    let doc = directory.office_doc("LSN").unwrap();
    let ws = |port: u16| format!("ws://127.0.0.1:{port}/sync");
    let writer = thidua_tests::device(&ws(port_a), &token, "lsn-a");
    let watcher = thidua_tests::device(&ws(port_b), &token, "lsn-b");
    for d in [&writer, &watcher] {
        d.open(doc);
        d.wait_synced(doc, PATIENCE).await.unwrap();
    }
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        for n in 0..4 {
            let key = format!("r{round}-da-xac-nhan-{n}");
            set_text(&writer, doc, &key, "đã lưu").await;
            writer.wait_synced(doc, PATIENCE).await.unwrap();
            acknowledged.push(key);
        }
        // One more edit racing the kill; then another relay process takes
        // the address (as behind a load balancer) and the device resumes.
        set_text(&writer, doc, &format!("r{round}-dang-gui"), "đang gửi").await;
        relay_a.kill().await.expect("SIGKILL relay A");
        let (r, _) = spawn_on(&url, &tokens, port_a).await;
        relay_a = r;
        writer.wait_synced(doc, PATIENCE).await.unwrap();
    }
    // The device on relay B, which never went down, has every change.
    let last: &'static str = "r2-dang-gui";
    watcher
        .wait_until("every change of the writer", PATIENCE, move |v| {
            v.core
                .doc(&doc)
                .is_some_and(|d| shared::schema::read::text(d, &automerge::ROOT, last).is_some())
        })
        .await
        .unwrap();
    for key in &acknowledged {
        let k: &'static str = Box::leak(key.clone().into_boxed_str());
        assert_eq!(
            root_text(&watcher, doc, k).await.as_deref(),
            Some("đã lưu"),
            "{key} lost"
        );
    }
    for round in 0..3 {
        let k: &'static str = Box::leak(format!("r{round}-dang-gui").into_boxed_str());
        assert!(root_text(&watcher, doc, k).await.is_some(), "{k} lost");
    }
    relay_a.kill().await.ok();
    relay_b.kill().await.ok();
}

/// A socket that finished the handshake with a token issued a moment ago:
/// the relays learn of it by notification, within moments.
async fn joined_soon(url: &str, token: &str) -> thidua_tests::wire::Socket {
    use shared::protocol::{Message, PeerId};
    use thidua_tests::wire::{raw, recv, send};
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let mut s = raw(url, Some(token)).await;
        send(
            &mut s,
            &Message::Join {
                sender_id: PeerId::from("token-test"),
                supported_protocol_versions: vec!["1".into()],
                metadata: None,
            },
        )
        .await;
        match recv(&mut s).await {
            Some(Message::Peer { .. }) => return s,
            Some(Message::Error { code, .. })
                if code.as_deref() == Some("token-unknown")
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("expected the relay's peer message, got {other:?}"),
        }
    }
}

/// `thidua-relay token …` on the database, as an operator runs it.
fn token_cli(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(thidua_tests::relay_binary())
        .arg("token")
        .args(args)
        .args(["--store", url])
        .output()
        .expect("the relay binary runs");
    assert!(
        out.status.success(),
        "token {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_or_revoked_in_the_database_acts_on_every_relay_at_once() {
    use thidua_tests::wire::{error_of, raw};
    let pg = TestPostgres::start();
    let url = pg.database("tokens");
    // Two relays with data directories of their own: tokens come from the database.
    let one = TestRelay::start_on_postgres(&url, temp_dir("pg-tokens-1")).await;
    let two = TestRelay::start_on_postgres(&url, temp_dir("pg-tokens-2")).await;
    // Each relay's demo tokens work on the other.
    let lsn = one.office_doc("LSN");
    let c = two.device("LSN", "demo-of-relay-2");
    c.open(lsn);
    c.wait_synced(lsn, PATIENCE).await.unwrap();
    let _ = joined_soon(&one.ws_url(), &two.token("LSN")).await;

    let token = token_cli(
        &url,
        &["issue", "--office", "LSN", "--device", "laptop-mat"],
    );
    assert!(token.starts_with("td1."), "{token}");
    let mut on_one = joined_soon(&one.ws_url(), &token).await;
    let mut on_two = joined_soon(&two.ws_url(), &token).await;
    // An unknown office is refused with the offices the cluster has.
    let out = std::process::Command::new(thidua_tests::relay_binary())
        .args(["token", "issue", "--office", "XXX", "--store", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LSN"));

    token_cli(&url, &["revoke", "LSN/laptop-mat"]);
    // Open connections on both relays are closed; new ones are refused.
    assert_eq!(error_of(&mut on_one).await.0, "token-revoked");
    assert_eq!(error_of(&mut on_two).await.0, "token-revoked");
    for relay in [&one, &two] {
        let mut s = raw(&relay.ws_url(), Some(&token)).await;
        assert_eq!(error_of(&mut s).await.0, "token-revoked");
    }
    let listed = token_cli(&url, &["list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("laptop-mat") && l.ends_with("revoked")),
        "{listed}"
    );
    // The other devices keep syncing.
    set_text(&c, lsn, "ghiChu", "vẫn đồng bộ").await;
    c.wait_synced(lsn, PATIENCE).await.unwrap();
}

/// `thidua-relay migrate-store`, as an operator runs it: (success, stderr).
fn migrate_cli(from: &str, to: &str) -> (bool, String) {
    let out = std::process::Command::new(thidua_tests::relay_binary())
        .args(["migrate-store", "--from", from, "--to", to])
        .output()
        .expect("the relay binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A document as a data directory holds it.
fn doc_in_dir(dir: &std::path::Path, doc: shared::protocol::DocumentId) -> automerge::Automerge {
    let store = relay::store::FileStore::open(dir).unwrap();
    shared::storage::merge_chunks(store.load_blocking(&doc).unwrap()).doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_moves_into_the_database_and_back_with_every_document_and_token() {
    let pg = TestPostgres::start();
    let url = pg.database("migrate");
    // A relay on files, with work done on it (incremental chunks, not only
    // the demo's snapshots), stopped hard.
    let files = temp_dir("pg-migrate-files");
    let port = thidua_tests::free_port();
    let (mut relay, printed) = thidua_tests::spawn_relay(&files, port).await;
    let token = printed.into_iter().find(|(c, _)| c == "LSN").unwrap().1;
    let directory: shared::cluster::Directory =
        serde_json::from_slice(&std::fs::read(files.join("cluster.json")).unwrap()).unwrap();
    let doc = directory.office_doc("LSN").unwrap();
    let device = thidua_tests::device(&format!("ws://127.0.0.1:{port}/sync"), &token, "lsn");
    device.open(doc);
    for n in 0..5 {
        set_text(&device, doc, &format!("ghiChu{n}"), "trước khi chuyển").await;
    }
    device.wait_synced(doc, PATIENCE).await.unwrap();
    relay.kill().await.unwrap();

    let (ok, said) = migrate_cli(files.to_str().unwrap(), &url);
    assert!(ok, "{said}");
    assert!(said.contains("every document's heads checked"), "{said}");
    // Never over an existing cluster.
    let (ok, said) = migrate_cli(files.to_str().unwrap(), &url);
    assert!(!ok);
    assert!(said.contains("already holds a cluster"), "{said}");

    // A relay on the database serves the same documents to the same device
    // tokens (no --demo: the cluster comes from the copy).
    let tokens_dir = temp_dir("pg-migrate-relay");
    // Port 0: the relay takes a free port itself and says which (no race
    // with other tests' relays for a port looked up beforehand).
    let mut on_pg = tokio::process::Command::new(thidua_tests::relay_binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--store",
            &url,
            "--data-dir",
        ])
        .arg(&tokens_dir)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let opened = {
        use tokio::io::AsyncBufReadExt;
        let out = on_pg.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(out).lines();
        loop {
            let line = tokio::time::timeout(PATIENCE, lines.next_line())
                .await
                .expect("the relay on the database starts")
                .unwrap()
                .expect("the relay says where it listens");
            if let Some(rest) = line.strip_prefix("Open ") {
                tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        }
    };
    let sync_url = format!(
        "{}/sync",
        opened.trim_end_matches('/').replacen("http://", "ws://", 1)
    );
    let again = thidua_tests::device(&sync_url, &token, "lsn-2");
    again.open(doc);
    again.wait_synced(doc, PATIENCE).await.unwrap();
    assert_eq!(
        root_text(&again, doc, "ghiChu4").await.as_deref(),
        Some("trước khi chuyển")
    );
    on_pg.kill().await.ok();

    // And back into a new data directory: the same heads for every document.
    let back = temp_dir("pg-migrate-back");
    let (ok, said) = migrate_cli(&url, back.to_str().unwrap());
    assert!(ok, "{said}");
    for d in directory.all_docs() {
        assert_eq!(
            doc_in_dir(&files, d).get_heads(),
            doc_in_dir(&back, d).get_heads()
        );
    }
    let tokens = |dir: &std::path::Path| {
        let mut records = relay::tokens::TokenStore::open(dir).records().unwrap();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        records
    };
    assert_eq!(tokens(&files), tokens(&back));
}

/// The cluster's rules follow the cluster document across relays: a
/// criterion the leading office adds through relay 1 can be scored through
/// relay 2 as soon as the device there holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_criterion_added_through_one_relay_is_scored_through_another() {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    use shared::core::Event;
    let pg = TestPostgres::start();
    let url = pg.database("criterion");
    let one = TestRelay::start_on_postgres(&url, temp_dir("pg-criterion-1")).await;
    let two = TestRelay::start_on_postgres(&url, temp_dir("pg-criterion-2")).await;
    let cluster = one.directory().cluster_doc().unwrap();
    let lsn = one.office_doc("LSN");
    let leader = one.device("LSN", "leader-on-1");
    let clerk = two.device("LSN", "clerk-on-2");
    for c in [&leader, &clerk] {
        for d in [cluster, lsn] {
            c.open(d);
            c.wait_synced(d, PATIENCE).await.unwrap();
        }
    }
    for round in 0..3 {
        let id = format!("CX{round}");
        let criterion = id.clone();
        leader
            .change(cluster, move |tx| {
                let criteria =
                    shared::schema::read::map(tx, &automerge::ROOT, "criteria").expect("criteria");
                let first = tx.keys(&criteria).next().expect("a criterion");
                let some = shared::schema::read::map(tx, &criteria, first).expect("a criterion");
                let section = shared::schema::read::text(tx, &some, "section").unwrap_or_default();
                let c = tx.put_object(&criteria, &criterion, automerge::ObjType::Map)?;
                tx.put(&c, "section", section)?;
                tx.put(&c, "title", format!("Tiêu chí bổ sung {round}"))?;
                tx.put(&c, "maxPoints", 10)?;
                tx.put(&c, "order", 100 + round)?;
                Ok(())
            })
            .await
            .expect("the leader may add a criterion");
        let seen = id.clone();
        clerk
            .wait_until("the new criterion", PATIENCE, move |v| {
                v.core.doc(&cluster).is_some_and(|d| {
                    shared::schema::read::map(d, &automerge::ROOT, "criteria")
                        .and_then(|c| shared::schema::read::map(d, &c, seen.as_str()))
                        .is_some()
                })
            })
            .await
            .unwrap();
        clerk
            .change(lsn, move |tx| {
                let scores = shared::schema::read::map(tx, &automerge::ROOT, "selfScores")
                    .expect("selfScores");
                let s = tx.put_object(&scores, &id, automerge::ObjType::Map)?;
                tx.put(&s, "points", 7)?;
                Ok(())
            })
            .await
            .expect("the score is valid on the device");
        clerk.wait_synced(lsn, PATIENCE).await.unwrap();
    }
    let refused = clerk
        .read(|v| {
            v.events
                .iter()
                .filter(|e| matches!(e, Event::Rejected { .. }))
                .count()
        })
        .await;
    assert_eq!(refused, 0, "nothing was refused");
    // And relay 1's device has the scores.
    leader
        .wait_until("the scores made through relay 2", PATIENCE, move |v| {
            v.core.doc(&lsn).is_some_and(|d| {
                shared::schema::read::map(d, &automerge::ROOT, "selfScores")
                    .and_then(|s| shared::schema::read::map(d, &s, "CX2"))
                    .is_some()
            })
        })
        .await
        .unwrap();
}

/// `/healthz` of a relay: (status line, body).
async fn health(relay: &TestRelay) -> (String, serde_json::Value) {
    let (status, _, body) = thidua_tests::http_get(relay.running.addr, "/healthz", None).await;
    (status, serde_json::from_str(&body).unwrap_or_default())
}

/// Wait until `/healthz` says whether the relay hears the other relays.
async fn wait_hearing(relay: &TestRelay, hears: bool) -> (String, serde_json::Value) {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let (status, body) = health(relay).await;
        if body["hearsOtherRelays"] == hears {
            return (status, body);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "healthz never said hearsOtherRelays: {hears}: {status} {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_when_a_relay_cannot_hear_the_others_and_it_hears_again_after_the_database_returns()
 {
    let pg = TestPostgres::start();
    let url = pg.database("deaf");
    let tokens = temp_dir("pg-deaf");
    let one = TestRelay::start_on_postgres(&url, tokens.clone()).await;
    let two = TestRelay::start_on_postgres(&url, tokens).await;
    let (status, body) = wait_hearing(&two, true).await;
    assert!(status.contains("200"), "{status} {body}");
    assert_eq!(body["status"], "ok");

    // The database stops: the operator's health check sees it and why.
    pg.stop();
    let (status, body) = wait_hearing(&two, false).await;
    assert!(status.contains("503"), "{status} {body}");
    assert_eq!(body["status"], "degraded");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("cannot listen"), "{body}");
    let message_vi = body["messageVi"].as_str().unwrap_or_default();
    assert!(message_vi.contains("PostgreSQL"), "{body}");

    // Back: the relay listens again on its own, and devices on the two
    // relays see each other's changes again.
    pg.start_again();
    let (status, body) = wait_hearing(&two, true).await;
    assert!(status.contains("200"), "{status} {body}");
    let doc = one.office_doc("LSN");
    let a = one.device("LSN", "may-a");
    let b = two.device("LSN", "may-b");
    for d in [&a, &b] {
        d.open(doc);
        d.wait_synced(doc, PATIENCE).await.unwrap();
    }
    set_text(&a, doc, "ghiChu", "Sau khi cơ sở dữ liệu chạy lại").await;
    b.wait_until(
        "the edit made through relay 1 after the restart",
        PATIENCE,
        has_text("ghiChu", doc),
    )
    .await
    .unwrap();
}
