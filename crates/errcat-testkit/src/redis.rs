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
    /// The cluster bus port of a cluster node (`port + 10000`), reserved with the port.
    bus: Option<u16>,
    /// Arguments after the defaults (a cluster node's).
    extra: Vec<String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits (up to 10 s) until it answers `PING`.
    ///
    /// Fails if `redis-server` is not installed, or if it does not come up (the message then
    /// ends with the server's log).
    pub fn start() -> Result<RedisServer, String> {
        RedisServer::start_with(false, &[])
    }

    /// Starts a server with `extra` arguments; a cluster node gets a port whose bus port
    /// (`port + 10000`) is free and reserved too.
    fn start_with(cluster: bool, extra: &[&str]) -> Result<RedisServer, String> {
        let binary = find_binary().ok_or_else(|| NOT_FOUND.to_owned())?;
        let mut last = String::new();
        for _ in 0..START_ATTEMPTS {
            let (port, bus) = if cluster {
                let (port, bus) = free_port_pair()?;
                (port, Some(bus))
            } else {
                (free_port()?, None)
            };
            let mut server = RedisServer {
                binary: binary.clone(),
                port,
                bus,
                extra: extra.iter().map(|&a| a.to_owned()).collect(),
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

    /// How many times clients have sent `command` (lower case, as `INFO commandstats` names
    /// it: `evalsha`, `hgetall`) since the server started, or an error that says what failed.
    pub fn calls(&self, command_name: &str) -> Result<u64, String> {
        let Reply::Text(stats) = command(self.port, &["INFO", "commandstats"])? else {
            return Err(format!(
                "127.0.0.1:{}: INFO commandstats was not text",
                self.port
            ));
        };
        let prefix = format!("cmdstat_{command_name}:calls=");
        Ok(stats
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
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
            .args(&self.extra)
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
        let mut taken = reserved();
        taken.remove(&self.port);
        if let Some(bus) = self.bus {
            taken.remove(&bus);
        }
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

/// A port and its cluster bus port (`port + 10000`), both free now and reserved for one
/// cluster node of this process, both below the ephemeral range.
fn free_port_pair() -> Result<(u16, u16), String> {
    let below = ephemeral_start();
    if below <= 21_000 {
        return Err(format!(
            "no room for a cluster node's ports (port and port + 10000) between 10000 and the \
             ephemeral range, which starts at {below} (/proc/sys/net/ipv4/ip_local_port_range)"
        ));
    }
    for _ in 0..128 {
        let port = fastrand::u16(10_000..below - 10_000);
        let bus = port + 10_000;
        let mut taken = reserved();
        if taken.contains(&port)
            || taken.contains(&bus)
            || TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err()
            || TcpListener::bind((Ipv4Addr::LOCALHOST, bus)).is_err()
        {
            continue;
        }
        taken.insert(port);
        taken.insert(bus);
        return Ok((port, bus));
    }
    Err("no free pair of loopback ports (port and port + 10000) after 128 tries".to_owned())
}

fn make_dir(port: u16) -> Result<PathBuf, String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("errcat-redis-{}-{port}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn find_binary() -> Option<PathBuf> {
    find_program("redis-server", "ERRCAT_REDIS_SERVER")
}

/// `name` as the file `var` names, else on `PATH` or in the usual directories.
fn find_program(name: &str, var: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path)).filter(|p| is_file(p));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
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

/// How long a fresh (or mended) cluster may take until every node says `cluster_state:ok`.
const CLUSTER_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a node may go unreachable before the others count it as failing. Long enough that
/// a busy machine does not fail a node that is only slow; short enough that a node that was
/// killed and marked failing is taken back soon after it returns (Redis waits a few of these).
const NODE_TIMEOUT_MS: &str = "5000";

const CLI_NOT_FOUND: &str = "redis-cli not found (on PATH, in /usr/bin, /usr/local/bin or /opt/homebrew/bin, or at ERRCAT_REDIS_CLI): install it (apt-get install -y redis-tools, or redis-server, which brings it)";

/// A throwaway Redis Cluster for tests: three masters (no replicas) on free loopback ports,
/// `--cluster-enabled yes`, joined with `redis-cli --cluster create --cluster-yes`. Every node
/// is a [`RedisServer`] (nothing saved but the cluster's own `nodes.conf`, killed on drop).
///
/// ```no_run
/// use errcat_testkit::redis::RedisCluster;
///
/// let Some(mut cluster) = RedisCluster::start_or_skip() else {
///     return;
/// };
/// println!("seed nodes: {}", cluster.urls().join(","));
/// let node = cluster.node_for_key("{acct_1}").expect("slot");
/// cluster.stop_node(node); // its slots are gone: clients see errors
/// cluster.restart_node(node).expect("whole again"); // same port and slots, empty data
/// ```
///
/// [`RedisCluster::start`] returns once every node says `cluster_state:ok` (a readiness probe
/// over the nodes, not a sleep); [`RedisCluster::restart_node`] waits for the same.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    /// The slot ranges each node serves, as the cluster assigned them.
    slots: Vec<Vec<(u16, u16)>>,
}

impl RedisCluster {
    /// How many masters it has.
    pub const MASTERS: usize = 3;

    /// Starts three cluster nodes, joins them, and waits (up to 60 s) until every node says
    /// `cluster_state:ok`.
    ///
    /// Fails if `redis-server` or `redis-cli` is not installed, or if the cluster does not
    /// come up (the message then says what the nodes said).
    pub fn start() -> Result<RedisCluster, String> {
        let cli = find_program("redis-cli", "ERRCAT_REDIS_CLI")
            .ok_or_else(|| CLI_NOT_FOUND.to_owned())?;
        let mut nodes = Vec::with_capacity(Self::MASTERS);
        for _ in 0..Self::MASTERS {
            nodes.push(RedisServer::start_with(
                true,
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    NODE_TIMEOUT_MS,
                ],
            )?);
        }
        let output = Command::new(&cli)
            .arg("--cluster")
            .arg("create")
            .args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port())))
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", cli.display()))?;
        if !output.status.success() {
            return Err(format!(
                "redis-cli --cluster create failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let mut cluster = RedisCluster {
            nodes,
            slots: Vec::new(),
        };
        cluster.wait_ok()?;
        for node in &cluster.nodes {
            let Reply::Text(listing) = command(node.port(), &["CLUSTER", "NODES"])? else {
                return Err("CLUSTER NODES did not answer with text".to_owned());
            };
            cluster.slots.push(own_slots(&listing));
        }
        if cluster.slots.iter().any(Vec::is_empty) {
            return Err(format!(
                "a master of the cluster serves no slot: {:?}",
                cluster.slots
            ));
        }
        Ok(cluster)
    }

    /// A cluster for the running test, or `None` when `redis-server` or `redis-cli` is not
    /// installed: then a line on stderr says the test is skipped and why. With
    /// `ERRCAT_REQUIRE_REDIS=1` a missing program panics instead; a cluster that does not
    /// come up always panics, with what the nodes said.
    pub fn start_or_skip() -> Option<RedisCluster> {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let missing = if find_binary().is_none() {
            Some(NOT_FOUND)
        } else if find_program("redis-cli", "ERRCAT_REDIS_CLI").is_none() {
            Some(CLI_NOT_FOUND)
        } else {
            None
        };
        if let Some(missing) = missing {
            let required = std::env::var_os(REQUIRE_VAR).is_some_and(|v| v == "1");
            if required {
                panic!("{test}: {REQUIRE_VAR}=1 but {missing}");
            }
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}: {missing}; set {REQUIRE_VAR}=1 to make this a failure"
            );
            return None;
        }
        match RedisCluster::start() {
            Ok(cluster) => Some(cluster),
            Err(e) => panic!("{test}: {e}"),
        }
    }

    /// The seed nodes' URLs, `redis://127.0.0.1:{port}/` each.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The node at `index` (0 to 2).
    pub fn node(&self, index: usize) -> &RedisServer {
        &self.nodes[index]
    }

    /// The index of the master that serves `key`'s slot (its hash tag's, if it has one).
    pub fn node_for_key(&self, key: &str) -> Result<usize, String> {
        let port = self.nodes.iter().find_map(|n| {
            // Any running node computes the slot.
            std::net::TcpStream::connect(("127.0.0.1", n.port()))
                .is_ok()
                .then_some(n.port())
        });
        let port = port.ok_or("no node of the cluster is running")?;
        let Reply::Int(slot) = command(port, &["CLUSTER", "KEYSLOT", key])? else {
            return Err("CLUSTER KEYSLOT did not answer with a number".to_owned());
        };
        let slot = u16::try_from(slot).map_err(|_| format!("slot {slot} is out of range"))?;
        self.slots
            .iter()
            .position(|ranges| ranges.iter().any(|&(a, b)| (a..=b).contains(&slot)))
            .ok_or_else(|| format!("no node serves slot {slot}"))
    }

    /// Kills the master at `index` at once, as a crash would: its slots are unreachable, and
    /// once the other nodes count it as failing the cluster refuses every command.
    pub fn stop_node(&mut self, index: usize) {
        self.nodes[index].stop();
    }

    /// Starts the master at `index` again on its port, with its `nodes.conf` (so it is the
    /// same node, serving the same slots) but no data, and waits until every node says
    /// `cluster_state:ok`.
    pub fn restart_node(&mut self, index: usize) -> Result<(), String> {
        self.nodes[index].restart()?;
        self.wait_ok()
    }

    /// Waits until every node says `cluster_state:ok`, knows every node and sees every slot
    /// served.
    pub fn wait_ok(&self) -> Result<(), String> {
        let deadline = Instant::now() + CLUSTER_READY_TIMEOUT;
        let expected_nodes = format!("cluster_known_nodes:{}", self.nodes.len());
        loop {
            let mut last = String::new();
            let all_ok =
                self.nodes
                    .iter()
                    .all(|node| match command(node.port(), &["CLUSTER", "INFO"]) {
                        Ok(Reply::Text(info)) => {
                            let ok = info.lines().any(|l| l.trim() == "cluster_state:ok")
                                && info.lines().any(|l| l.trim() == "cluster_slots_ok:16384")
                                && info.lines().any(|l| l.trim() == expected_nodes);
                            if !ok {
                                last =
                                    format!("node {}: {}", node.port(), info.replace("\r\n", " "));
                            }
                            ok
                        }
                        Ok(other) => {
                            last = format!("node {}: {other:?}", node.port());
                            false
                        }
                        Err(e) => {
                            last = format!("node {}: {e}", node.port());
                            false
                        }
                    });
            if all_ok {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the cluster was not ok within {CLUSTER_READY_TIMEOUT:?}: {last}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl RedisCluster {
    /// Waits (up to 60 s) until every running node says `cluster_state:fail`: the nodes count a
    /// stopped master as failing once it has been unreachable for the node timeout (5 s), and
    /// then refuse every command (`CLUSTERDOWN`).
    pub fn wait_failed(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + CLUSTER_READY_TIMEOUT;
        loop {
            let mut last = String::new();
            let mut all_failed = true;
            for node in &mut self.nodes {
                if !node.is_running() {
                    continue;
                }
                match command(node.port(), &["CLUSTER", "INFO"]) {
                    Ok(Reply::Text(info))
                        if info.lines().any(|l| l.trim() == "cluster_state:fail") => {}
                    other => {
                        last = format!("node {}: {other:?}", node.port());
                        all_failed = false;
                    }
                }
            }
            if all_failed {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the cluster did not count the stopped node as failing within {CLUSTER_READY_TIMEOUT:?}: {last}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The slot ranges of the `myself` line of `CLUSTER NODES`.
fn own_slots(listing: &str) -> Vec<(u16, u16)> {
    let Some(line) = listing.lines().find(|l| l.contains("myself")) else {
        return Vec::new();
    };
    line.split_whitespace()
        .skip(8)
        .filter_map(|range| {
            let (a, b) = range.split_once('-').unwrap_or((range, range));
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect()
}

/// A reply to [`command`].
#[derive(Debug)]
enum Reply {
    Text(String),
    Int(i64),
}

/// Sends one command over raw RESP and reads a simple, bulk or integer reply.
fn command(port: u16, args: &[&str]) -> Result<Reply, String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
        .map_err(|e| format!("cannot connect to 127.0.0.1:{port}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut request = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    stream
        .write_all(&request)
        .map_err(|e| format!("cannot write to 127.0.0.1:{port}: {e}"))?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| format!("no reply from 127.0.0.1:{port}: {e}"))?;
    let line = line.trim_end();
    let bad = || format!("127.0.0.1:{port} answered {args:?} with {line:?}");
    match line.split_at_checked(1) {
        Some(("+", text)) => Ok(Reply::Text(text.to_owned())),
        Some((":", n)) => n.parse().map(Reply::Int).map_err(|_| bad()),
        Some(("$", len)) => {
            let len: usize = len.parse().map_err(|_| bad())?;
            let mut body = vec![0; len + 2];
            reader
                .read_exact(&mut body)
                .map_err(|e| format!("a short reply from 127.0.0.1:{port}: {e}"))?;
            body.truncate(len);
            Ok(Reply::Text(String::from_utf8_lossy(&body).into_owned()))
        }
        _ => Err(bad()),
    }
}
