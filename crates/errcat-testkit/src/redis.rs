//! A throwaway `redis-server` for tests: a free loopback port, no persistence, killed on drop.
//!
//! ```no_run
//! use errcat_testkit::redis::RedisServer;
//!
//! let mut server = RedisServer::start().expect("redis-server");
//! println!("Redis at {}", server.url());
//! server.stop(); // Redis is gone: clients see errors
//! server.restart().expect("redis-server again"); // same port, empty data
//! ```
//!
//! The binary is `redis-server` on `PATH` or in `/usr/bin`, `/usr/local/bin` or
//! `/opt/homebrew/bin` (or the file `ERRCAT_REDIS_SERVER` names).
//!
//! A test that cannot run without Redis starts it with [`RedisServer::start_or_skip`]: where
//! `redis-server` is not installed, the test says so on stderr and passes, unless
//! `ERRCAT_REQUIRE_REDIS=1` (as CI sets it) makes that a failure.
//!
//! Ports are picked at random below the kernel's ephemeral range, so no client socket and no
//! `bind(0)` elsewhere takes one, and a port stays reserved for its server in this process
//! until the server is dropped, so a [`RedisServer::restart`] finds it free.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a fresh server may take to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How many ports [`RedisServer::start`] tries before giving up.
const START_ATTEMPTS: u32 = 5;
/// How many times [`RedisServer::restart`] tries to bind the same port again.
const RESTART_ATTEMPTS: u32 = 10;

const NOT_FOUND: &str = "redis-server not found (on PATH, in /usr/bin, /usr/local/bin or /opt/homebrew/bin, or at ERRCAT_REDIS_SERVER): install it (apt-get install -y redis-server)";

/// Set to `1` to make a missing `redis-server` fail the tests that need it instead of
/// skipping them.
pub const REQUIRE_VAR: &str = "ERRCAT_REQUIRE_REDIS";

/// A `redis-server` child process listening on `127.0.0.1`, for tests.
///
/// It saves nothing (`--save "" --appendonly no`) and logs to a file in its own temporary
/// directory, which is removed on drop. Dropping the value kills the server.
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits (up to 10 s) until it answers `PING`.
    ///
    /// Fails if `redis-server` is not installed, or if it does not come up (the message then
    /// ends with the server's log).
    pub fn start() -> Result<RedisServer, String> {
        let binary = find_binary().ok_or_else(|| NOT_FOUND.to_owned())?;
        let mut last = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let mut server = RedisServer {
                binary: binary.clone(),
                port,
                dir: make_dir(port)?,
                child: None,
            };
            // A failed server is dropped, which frees its port.
            match server.launch() {
                Ok(()) => return Ok(server),
                // Another process took the port between our probe and the server's bind: try
                // another one.
                Err(Launch::Exited(message)) => last = message,
                Err(Launch::Failed(message)) => return Err(message),
            }
        }
        Err(format!(
            "redis-server did not start after {START_ATTEMPTS} attempts: {last}"
        ))
    }

    /// A server for the running test, or `None` when `redis-server` is not installed: then a
    /// line on stderr says that the test (named after its thread, as the test harness names
    /// it) is skipped and why. With `ERRCAT_REQUIRE_REDIS=1` a
    /// missing server panics instead; a server that is installed but does not start always
    /// panics, with its log.
    ///
    /// ```no_run
    /// use errcat_testkit::redis::RedisServer;
    ///
    /// let Some(server) = RedisServer::start_or_skip() else {
    ///     return;
    /// };
    /// println!("Redis at {}", server.url());
    /// ```
    pub fn start_or_skip() -> Option<RedisServer> {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        if find_binary().is_none() {
            let required = std::env::var_os(REQUIRE_VAR).is_some_and(|v| v == "1");
            if required {
                panic!("{test}: {REQUIRE_VAR}=1 but {NOT_FOUND}");
            }
            // Straight to the process's stderr: the test harness captures `eprintln!` of
            // passing tests, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}: {NOT_FOUND}; set {REQUIRE_VAR}=1 to make this a failure"
            );
            return None;
        }
        match RedisServer::start() {
            Ok(server) => Some(server),
            Err(e) => panic!("{test}: {e}"),
        }
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the server process is running (it was started and not stopped).
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server at once (as a crash would) and waits for it to exit. Does nothing if
    /// it is stopped already.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server if it runs, then starts a fresh one (with no data) on the same port
    /// and waits until it answers `PING`. Retries the bind for a few seconds if the port is
    /// not free yet.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        let mut last = String::new();
        for _ in 0..RESTART_ATTEMPTS {
            match self.launch() {
                Ok(()) => return Ok(()),
                Err(Launch::Exited(message)) => last = message,
                Err(Launch::Failed(message)) => return Err(message),
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!(
            "redis-server did not start again on port {} after {RESTART_ATTEMPTS} attempts: {last}",
            self.port
        ))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    /// Spawns the server on `self.port` and waits until it answers.
    fn launch(&mut self) -> Result<(), Launch> {
        self.stop();
        let log_path = self.log_path();
        let log = File::create(&log_path)
            .map_err(|e| Launch::Failed(format!("cannot create {}: {e}", log_path.display())))?;
        let log_err = log
            .try_clone()
            .map_err(|e| Launch::Failed(format!("cannot open {}: {e}", log_path.display())))?;
        let child = Command::new(&self.binary)
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--loglevel", "notice"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Launch::Failed(NOT_FOUND.to_owned())
                } else {
                    Launch::Failed(format!("cannot run {}: {e}", self.binary.display()))
                }
            })?;
        let pid = child.id();
        self.child = Some(child);

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(Launch::Exited(format!(
                    "redis-server exited ({status}) on port {}: {}",
                    self.port,
                    log_tail(&log_path)
                )));
            }
            match probe(self.port) {
                Probe::Ready(server_pid) if server_pid == pid => return Ok(()),
                // Another server answers on this port: ours cannot bind it.
                Probe::Ready(_) => {
                    self.stop();
                    return Err(Launch::Exited(format!(
                        "another Redis already listens on port {}",
                        self.port
                    )));
                }
                Probe::NotYet => {}
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(Launch::Failed(format!(
                    "redis-server did not answer PING on port {} within {READY_TIMEOUT:?}: {}",
                    self.port,
                    log_tail(&log_path)
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        reserved().remove(&self.port);
    }
}

enum Launch {
    /// The server exited, most likely because its port was taken: worth another try.
    Exited(String),
    /// Anything else.
    Failed(String),
}

enum Probe {
    /// A Redis answered `PING`; here is its process id.
    Ready(u32),
    NotYet,
}

/// Sends `PING` and `INFO server` over raw RESP; answers with the server's process id once it
/// says `+PONG`.
fn probe(port: u16) -> Probe {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(250)) else {
        return Probe::NotYet;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    if stream
        .write_all(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .is_err()
    {
        return Probe::NotYet;
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line != "+PONG\r\n" {
        return Probe::NotYet;
    }
    line.clear();
    if reader.read_line(&mut line).is_err() {
        return Probe::NotYet;
    }
    let Some(len) = line
        .strip_prefix('$')
        .and_then(|l| l.trim_end().parse::<usize>().ok())
    else {
        return Probe::NotYet;
    };
    let mut info = vec![0; len];
    if reader.read_exact(&mut info).is_err() {
        return Probe::NotYet;
    }
    String::from_utf8_lossy(&info)
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
        .map_or(Probe::NotYet, Probe::Ready)
}

/// The ports this process's servers hold, running or stopped.
fn reserved() -> std::sync::MutexGuard<'static, BTreeSet<u16>> {
    static RESERVED: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    // Every change is one insert or remove: a poisoned set is still whole.
    RESERVED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The first port of the kernel's ephemeral range (what `bind(0)` and client sockets use).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or(32768)
}

/// A port that is free now and reserved for one server of this process: at random between
/// 10000 and the ephemeral range where there is room, else one the OS hands out.
fn free_port() -> Result<u16, String> {
    let below = ephemeral_start();
    if below > 11_000 {
        for _ in 0..64 {
            let port = fastrand::u16(10_000..below);
            let mut taken = reserved();
            if taken.contains(&port) || TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
                continue;
            }
            taken.insert(port);
            return Ok(port);
        }
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind a loopback port: {e}"))?;
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot read the port: {e}"))?;
    reserved().insert(port);
    Ok(port)
}

fn make_dir(port: u16) -> Result<PathBuf, String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("errcat-redis-{}-{port}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ERRCAT_REDIS_SERVER") {
        return Some(PathBuf::from(path)).filter(|p| is_file(p));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"].map(PathBuf::from))
        .map(|dir| dir.join("redis-server"))
        .find(|p| is_file(p))
}

fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// The last lines of the server's log, for error messages.
fn log_tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(5)..].join("\n");
    if tail.is_empty() {
        "(empty log)".to_owned()
    } else {
        tail
    }
}
