//! A PostgreSQL server per test, started from the system's server binaries.
//!
//! State kept in PostgreSQL can only be tested against a real server.
//! Starting one here, rather than expecting one to be running, keeps the
//! tests self-contained: each gets an empty cluster of its own, in a private
//! temporary directory, reachable only on 127.0.0.1, and gone afterwards.

use std::ffi::CString;
use std::fs::{self, File};
use std::io;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use std::{env, ptr, thread};

/// A directory holding `initdb` and `postgres`, looked at before `PATH`.
const BIN_DIR_VAR: &str = "WRK_ZOOM_PG_BIN";
/// Debian installs each major version's server binaries under
/// `/usr/lib/postgresql/<major>/bin`, not on `PATH`.
const DEBIAN_LIB_DIR: &str = "/usr/lib/postgresql";
/// The superuser initdb creates; `-A trust` lets it log in without a password.
const SUPERUSER: &str = "wrk";
/// What postgres logs once it accepts connections.
const READY_LINE: &str = "database system is ready to accept connections";
/// How many ports to try: postgres exits at once if another process took the
/// free port we found before postgres could bind it.
const START_ATTEMPTS: usize = 5;
/// Generous, for a loaded CI machine; it is usually ready in well under a second.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const READY_POLL: Duration = Duration::from_millis(50);
/// An immediate shutdown takes milliseconds; SIGKILL after this.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_POLL: Duration = Duration::from_millis(5);
/// How much of postgres's log a panic message quotes.
const LOG_TAIL_LINES: usize = 40;

/// A PostgreSQL server of a test's own, stopped and removed when dropped.
///
/// The server also gets SIGQUIT when the thread that started it exits, so it
/// cannot outlive a killed test process. Keep it owned by the test that
/// started it, on that test's thread: shared between tests through a
/// `static`, it would go down when the test whose thread started it ends.
pub struct Postgres {
    url: String,
    /// `url` without `sslmode`.
    bare_url: String,
    server: Child,
    /// Removed (with the cluster and the log) when dropped, after `drop` has
    /// stopped the server.
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// Starts one (initdb + postgres), or panics with a message that says
    /// what is missing and how to get it.
    pub fn start() -> Postgres {
        Postgres::start_with(None, None)
    }

    /// [`Postgres::start`] with TLS required on every TCP connection
    /// (`hostssl` only), serving the PEM certificate chain and key given.
    pub fn start_with_tls(cert_pem: &str, key_pem: &str) -> Postgres {
        Postgres::start_with(Some((cert_pem, key_pem)), None)
    }

    /// [`Postgres::start_with_tls`] where the superuser has `password` and
    /// logs in over TCP with the `pg_hba.conf` `method` (e.g. `password`,
    /// `scram-sha-256`); [`Postgres::url`] carries the password.
    pub fn start_with_tls_login(
        cert_pem: &str,
        key_pem: &str,
        password: &str,
        method: &str,
    ) -> Postgres {
        Postgres::start_with(Some((cert_pem, key_pem)), Some((password, method)))
    }

    fn start_with(tls: Option<(&str, &str)>, login: Option<(&str, &str)>) -> Postgres {
        let bin = bin_dir();
        let user = server_user();
        let dir = tempfile::Builder::new()
            .prefix("wrk-zoom-pg-")
            .tempdir()
            .expect("create a temporary directory for PostgreSQL");
        if let Some((uid, gid)) = user {
            chown(dir.path(), Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("chown {} to {uid}:{gid}: {e}", dir.path().display()));
        }
        let data = dir.path().join("data");
        init_cluster(&bin, dir.path(), &data, user, login.map(|l| l.0));
        let mut settings = Vec::new();
        if let Some((cert_pem, key_pem)) = tls {
            let method = login.map_or("trust", |l| l.1);
            settings = require_tls(dir.path(), &data, cert_pem, key_pem, user, method);
        }

        let log = dir.path().join("postgres.log");
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let mut server = spawn_server(&bin, dir.path(), &data, port, user, &log, &settings);
            if wait_ready(&mut server, port, &log) {
                let password = login.map(|l| format!(":{}", l.0)).unwrap_or_default();
                let bare_url =
                    format!("postgres://{SUPERUSER}{password}@127.0.0.1:{port}/postgres");
                // The store requires TLS unless the URL turns it off.
                let url = match tls {
                    Some(_) => bare_url.clone(),
                    None => format!("{bare_url}?sslmode=disable"),
                };
                return Postgres {
                    url,
                    bare_url,
                    server,
                    _dir: dir,
                };
            }
        }
        panic!(
            "postgres exited during startup {START_ATTEMPTS} times; its last log ends:\n{}",
            log_tail(&log)
        )
    }

    /// e.g. "postgres://wrk@127.0.0.1:PORT/postgres?sslmode=disable" (trust
    /// auth, no password; `sslmode=disable` unless the server takes TLS)
    pub fn url(&self) -> &str {
        &self.url
    }

    /// [`Postgres::url`] without `sslmode`.
    pub fn bare_url(&self) -> &str {
        &self.bare_url
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop(&mut self.server);
    }
}

/// The directory holding `initdb` and `postgres`: `$WRK_ZOOM_PG_BIN`, else
/// where the `initdb` on `PATH` really is, else Debian's newest version.
fn bin_dir() -> PathBuf {
    if let Some(dir) = env::var_os(BIN_DIR_VAR) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("initdb").is_file() && dir.join("postgres").is_file(),
            "{BIN_DIR_VAR}={} does not hold both initdb and postgres: set it to the \
             directory of PostgreSQL's server binaries (e.g. /usr/lib/postgresql/15/bin)",
            dir.display()
        );
        return dir;
    }
    let on_path = env::var_os("PATH").and_then(|path| {
        env::split_paths(&path)
            .map(|dir| dir.join("initdb"))
            .find(|initdb| initdb.is_file())
    });
    if let Some(initdb) = on_path {
        // `initdb` on PATH is often a symlink (e.g. /usr/local/bin/initdb);
        // `postgres` is next to its target, not necessarily next to the link.
        let initdb = fs::canonicalize(&initdb).unwrap_or(initdb);
        if let Some(dir) = initdb.parent() {
            return dir.to_path_buf();
        }
    }
    debian_bin_dir().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's server binaries (initdb, postgres) were not found: install Debian's \
             `postgresql` package or set {BIN_DIR_VAR} to their directory"
        )
    })
}

/// The highest-numbered `/usr/lib/postgresql/*/bin` that holds an `initdb`.
fn debian_bin_dir() -> Option<PathBuf> {
    fs::read_dir(DEBIAN_LIB_DIR)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
}

/// The uid and gid to run initdb and postgres as, when not as ourselves:
/// PostgreSQL refuses to run as root, which tests in containers and CI are.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let user = ["postgres", "nobody"].into_iter().find_map(lookup_user);
    Some(user.expect(
        "running as root, which PostgreSQL refuses, and there is neither a `postgres` \
         nor a `nobody` user to run it as instead",
    ))
}

/// A user's uid and primary gid, from the password database.
fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let name = CString::new(name).expect("a user name without NUL");
    let mut entry = MaybeUninit::<libc::passwd>::uninit();
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found = ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buf.len()` is the
    // buffer's real length. The reentrant getpwnam_r (not getpwnam, whose
    // static result another test's thread could overwrite) writes only to them.
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            entry.as_mut_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() {
        return None;
    }
    // SAFETY: getpwnam_r succeeded and found the user, so it filled `entry`.
    let entry = unsafe { entry.assume_init() };
    Some((entry.pw_uid, entry.pw_gid))
}

/// One of the server binaries, run as `user` (if any) from `dir`, which is
/// also its HOME: postgres complains when it cannot access its working
/// directory (e.g. root's home, as another user).
fn server_command(bin: &Path, name: &str, dir: &Path, user: Option<(u32, u32)>) -> Command {
    let mut command = Command::new(bin.join(name));
    command
        .current_dir(dir)
        .env("HOME", dir)
        .stdin(Stdio::null());
    if let Some((uid, gid)) = user {
        // std sets the gid before the uid and, when switching uid as root,
        // drops root's supplementary groups (setgroups(0, NULL)) too.
        command.gid(gid).uid(uid);
    }
    command
}

/// Why a server binary could not be started. As another user, the usual
/// cause is a temporary directory that user cannot reach (e.g. with TMPDIR
/// under /root): the child's failed chdir is reported as the spawn's error.
fn cannot_run(
    bin: &Path,
    name: &str,
    dir: &Path,
    user: Option<(u32, u32)>,
    error: &io::Error,
) -> String {
    let program = bin.join(name);
    match user {
        None => format!("run {}: {error}", program.display()),
        Some((uid, gid)) => format!(
            "run {} as {uid}:{gid} (PostgreSQL refuses to run as root) in {}: {error}; \
             that user must be able to reach the temporary directory: point TMPDIR at \
             one it can, e.g. /tmp",
            program.display(),
            dir.display()
        ),
    }
}

/// Creates the cluster at `data`, with a passwordless superuser.
fn init_cluster(
    bin: &Path,
    dir: &Path,
    data: &Path,
    user: Option<(u32, u32)>,
    password: Option<&str>,
) {
    let mut command = server_command(bin, "initdb", dir, user);
    if let Some(password) = password {
        let file = dir.join("superuser-password");
        fs::write(&file, password).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        command.arg(format!("--pwfile={}", file.display()));
    }
    let output = command
        .arg("-D")
        .arg(data)
        .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8"])
        // The C locale: the same collation everywhere, and no failure when
        // the environment names a locale that is not installed.
        .arg("--no-locale")
        // A throwaway cluster need not survive a crash of the machine.
        .args(["--no-sync", "--no-instructions"])
        .output()
        .unwrap_or_else(|e| panic!("{}", cannot_run(bin, "initdb", dir, user, &e)));
    assert!(
        output.status.success(),
        "initdb failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A port nothing listens on right now. Another process may take it before
/// postgres binds it; postgres then exits and `start` tries another.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind a socket on 127.0.0.1 to find a free port")
        .port()
}

/// Starts postgres in the foreground (no pg_ctl, so it is our child and we
/// know its pid), logging to `log`, which is truncated first.
/// Writes the certificate and key (readable by the server's user alone, as
/// postgres demands), lets TCP clients in over TLS only, logging in with
/// `method`, and returns the settings that turn TLS on.
fn require_tls(
    dir: &Path,
    data: &Path,
    cert_pem: &str,
    key_pem: &str,
    user: Option<(u32, u32)>,
    method: &str,
) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    for (path, text) in [(&cert, cert_pem), (&key, key_pem)] {
        fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
        if let Some((uid, gid)) = user {
            chown(path, Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
        }
    }
    let hba = data.join("pg_hba.conf");
    let rules = fs::read_to_string(&hba).unwrap_or_else(|e| panic!("read {}: {e}", hba.display()));
    let tls_only: String = rules
        .lines()
        .map(|line| match line.strip_prefix("host ") {
            Some(rest) => {
                let rest = rest.trim_end();
                let rest = rest
                    .strip_suffix("trust")
                    .map_or(rest.to_string(), |rule| format!("{rule}{method}"));
                format!("hostssl {rest}\n")
            }
            None => format!("{line}\n"),
        })
        .collect();
    fs::write(&hba, tls_only).unwrap_or_else(|e| panic!("write {}: {e}", hba.display()));
    vec![
        "ssl=on".into(),
        format!("ssl_cert_file={}", cert.display()),
        format!("ssl_key_file={}", key.display()),
    ]
}

fn spawn_server(
    bin: &Path,
    dir: &Path,
    data: &Path,
    port: u16,
    user: Option<(u32, u32)>,
    log: &Path,
    settings: &[String],
) -> Child {
    let log_file = File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
    let log_file_too = log_file
        .try_clone()
        .unwrap_or_else(|e| panic!("duplicate the handle of {}: {e}", log.display()));
    let mut command = server_command(bin, "postgres", dir, user);
    command
        .arg("-D")
        .arg(data)
        .arg("-p")
        .arg(port.to_string())
        // Its Unix socket goes here, not to /var/run/postgresql.
        .arg("-k")
        .arg(dir)
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "fsync=off"])
        // Tests run several servers of the program under test, each with a pool.
        .args(["-c", "max_connections=200"])
        .args(["-c", "shared_buffers=16MB"])
        .args(settings.iter().flat_map(|setting| ["-c", setting.as_str()]))
        .stdout(log_file)
        .stderr(log_file_too);
    // SAFETY: the closure runs in the forked child before exec, so it may only
    // make async-signal-safe calls: prctl is a plain system call. It runs after
    // std has switched uid and gid, which would otherwise clear the setting.
    // The spawning thread waits in `spawn` until exec, so it cannot have exited
    // (missing the signal) before the setting is made.
    unsafe {
        command.pre_exec(|| {
            // SIGQUIT: postgres's immediate shutdown, which also stops its backends.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT as libc::c_ulong) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
        .spawn()
        .unwrap_or_else(|e| panic!("{}", cannot_run(bin, "postgres", dir, user, &e)))
}

/// Waits until postgres accepts connections on `port` (true) or has exited
/// (false); stops it and panics if it does neither in time.
fn wait_ready(server: &mut Child, port: u16, log: &Path) -> bool {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match server.try_wait() {
            Ok(None) => {}
            Ok(Some(_)) => return false,
            Err(e) => panic!("check on postgres: {e}"),
        }
        let logged_ready =
            fs::read(log).is_ok_and(|text| String::from_utf8_lossy(&text).contains(READY_LINE));
        if logged_ready && TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            stop(server);
            panic!(
                "postgres did not accept connections on 127.0.0.1:{port} within \
                 {READY_TIMEOUT:?}; its log ends:\n{}",
                log_tail(log)
            );
        }
        thread::sleep(READY_POLL);
    }
}

/// Stops postgres with SIGQUIT, its immediate shutdown (it kills its backends
/// and skips the checkpoint: the cluster is thrown away), and reaps it;
/// SIGKILL if that takes longer than `STOP_TIMEOUT`.
fn stop(server: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(server.id()) {
        // SAFETY: kill touches no memory. The pid is our child's and it has
        // not been reaped, so it cannot belong to another process yet.
        unsafe { libc::kill(pid, libc::SIGQUIT) };
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        match server.try_wait() {
            Ok(None) => thread::sleep(STOP_POLL),
            Ok(Some(_)) | Err(_) => return,
        }
    }
    // Nothing more to do if these fail: the test is over either way.
    let _ = server.kill();
    let _ = server.wait();
}

/// The end of postgres's log, which says why it failed.
fn log_tail(log: &Path) -> String {
    match fs::read(log) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", log.display()),
    }
}
