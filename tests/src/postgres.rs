//! A throwaway PostgreSQL server for the tests: `initdb` in a new temporary
//! directory, started on a free port as an unprivileged user (the
//! `postgres` user when the tests run as root, as on CI), stopped and
//! removed when dropped. The README's test command installs PostgreSQL from
//! Debian packages when it is missing; if the server cannot start, the test
//! fails and says why (nothing is skipped).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A running throwaway server.
pub struct TestPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Run the server's programs as this user (the tests run as root).
    user: Option<&'static str>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The directory of PostgreSQL's programs (`initdb` is not on the PATH in
/// Debian's packages): the newest `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run the README's test command (scripts/test.sh), which installs it from Debian packages"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn check(what: &str, out: std::io::Result<Output>) {
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "PostgreSQL could not start: {what} failed ({}): {}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("PostgreSQL could not start: {what} did not run: {e}"),
    }
}

impl TestPostgres {
    /// Start a new server (panics with the reason if it cannot).
    pub fn start() -> Self {
        let bin = bin_dir();
        let user = is_root().then_some("postgres");
        let dir = std::env::temp_dir().join(format!(
            "thidua-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the server's directory");
        if let Some(user) = user {
            check("chown", Command::new("chown").arg(user).arg(&dir).output());
        }
        let port = crate::free_port();
        let pg = Self {
            dir,
            bin,
            port,
            user,
        };
        let data = pg.dir.join("data");
        check(
            "initdb",
            pg.command("initdb")
                .args([
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                    "-D",
                ])
                .arg(&data)
                .output(),
        );
        pg.start_again();
        pg
    }

    /// Start the server (again, after [`Self::stop`]) on its port.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        check(
            "pg_ctl start",
            self.command("pg_ctl")
                .args(["-w", "-t", "60", "-D"])
                .arg(self.dir.join("data"))
                .args(["-o", &options, "-l"])
                .arg(self.dir.join("server.log"))
                .arg("start")
                .output(),
        );
    }

    /// Stop the server as an operator would (`pg_ctl stop -m fast`: open
    /// connections are closed); its data stays for [`Self::start_again`].
    pub fn stop(&self) {
        check(
            "pg_ctl stop",
            self.command("pg_ctl")
                .args(["-w", "-m", "fast", "-D"])
                .arg(self.dir.join("data"))
                .arg("stop")
                .output(),
        );
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    /// A new empty database; its address.
    pub fn database(&self, name: &str) -> String {
        check(
            "createdb",
            Command::new(self.bin.join("createdb"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                    name,
                ])
                .output(),
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The server's directory (its log is `server.log` there).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
