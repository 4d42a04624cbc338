//! Helpers for the `qcapi` binary's tests: a scrubbed environment (only PATH,
//! a temporary HOME and the TENCENTCLOUD_* variables a test sets, so the
//! developer's real credentials are never read), bounded runs, and parsing.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use qcapi_emulator::Account;
use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_qcapi");

/// How long any run may take before the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The common parameters every request carries, as opposed to the action's own.
pub const COMMON: &[&str] = &[
    "Action",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Token",
    "RequestClient",
    "Signature",
];

/// Real UNIX time in seconds.
pub use qcapi_tests::wire::now;

/// A fresh, empty directory used as HOME, removed on drop.
pub struct Home(PathBuf);

impl Home {
    /// A new empty home named after the test.
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "qcapi-cli-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the temporary HOME");
        Self(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` at `relative` (parents created), returning the full path.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create parents");
        std::fs::write(&path, text).expect("write the file");
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl Run {
    /// Asserts success and parses stdout as one JSON document.
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "{self:#?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }

    /// Asserts success and parses stdout as a sequence of JSON documents.
    pub fn json_documents(&self) -> Vec<Value> {
        assert_eq!(self.code, 0, "{self:#?}");
        serde_json::Deserializer::from_str(&self.stdout)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }

    /// Both streams, for searching.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A `qcapi` invocation environment: nothing but PATH, HOME and what the test adds.
#[derive(Clone)]
pub struct Qcapi {
    home: PathBuf,
    env: Vec<(String, String)>,
}

impl Qcapi {
    /// No credentials at all, HOME at `home`, and no instance metadata service: the
    /// chain's CVM-role step asks a closed loopback port (refused at once), never
    /// `metadata.tencentyun.com`.
    pub fn new(home: &Home) -> Self {
        Self {
            home: home.path().to_owned(),
            env: vec![(
                "TENCENTCLOUD_METADATA_ENDPOINT".to_owned(),
                format!("http://127.0.0.1:{}", closed_port()),
            )],
        }
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Credentials of `account` in TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY.
    pub fn account(self, account: &Account) -> Self {
        self.env("TENCENTCLOUD_SECRET_ID", &account.secret_id)
            .env("TENCENTCLOUD_SECRET_KEY", &account.secret_key)
    }

    /// The binary with `args` in this environment, standard streams not yet set.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.env_clear().env("HOME", &self.home).args(args);
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs the binary with `args`, killing it (and failing) after a minute.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = self.command(args);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn qcapi");
        let drain = |stream: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut s) = stream {
                    let _ = s.read_to_string(&mut text);
                }
                text
            })
        };
        let stdout = drain(child.stdout.take().map(|s| Box::new(s) as _));
        let stderr = drain(child.stderr.take().map(|s| Box::new(s) as _));
        let status = wait_bounded(&mut child, &format!("qcapi {args:?}"));
        Run {
            code: status.code().unwrap_or(-1),
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        }
    }
}

/// Waits for `child`, killing it (and failing the test, naming `what`) after a minute.
pub fn wait_bounded(child: &mut Child, what: &str) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran longer than {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A one-thread HTTP server on an ephemeral loopback port that answers each of
/// the next requests with the next of `responses` (raw HTTP), then stops.
pub struct Canned {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Canned {
    /// Starts serving `responses`, one per connection.
    pub fn serve(responses: Vec<String>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for response in responses {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                // Read the request head (and whatever body came with it).
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match std::io::Read::read(&mut stream, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = std::io::Write::write_all(&mut stream, response.as_bytes());
            }
        });
        Self {
            url,
            stop,
            thread: Some(thread),
        }
    }

    /// An HTTP/1.1 response with `status`, a content type and `body`.
    pub fn response(status: &str, content_type: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        // Unblock a thread still waiting for a connection, then join it.
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            if !thread.is_finished() {
                let _ = std::net::TcpStream::connect(self.url.trim_start_matches("http://"));
            }
            let _ = thread.join();
        }
    }
}

/// The parameters of a printed request: the query of a GET URL, or the body line of a POST.
pub fn request_params(dry_run_output: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = dry_run_output.lines().collect();
    let encoded = match lines.as_slice() {
        [url] => url.split_once('?').expect("a query").1,
        [_url, body] => body,
        other => panic!("expected one or two lines, got {other:?}"),
    };
    form_urlencoded::parse(encoded.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// The action's own parameters of a printed request, sorted.
pub fn action_params(dry_run_output: &str) -> Vec<(String, String)> {
    let mut params: Vec<_> = request_params(dry_run_output)
        .into_iter()
        .filter(|(n, _)| !COMMON.contains(&n.as_str()))
        .collect();
    params.sort();
    params
}

/// The value of one parameter of a printed request.
pub fn param(dry_run_output: &str, name: &str) -> Option<String> {
    request_params(dry_run_output)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// A JSON integer that may come as a string (the emulator's string quirks).
pub fn int(value: &Value) -> i64 {
    match value {
        Value::Number(n) => n.as_i64().expect("an integer"),
        Value::String(s) => s.parse().expect("an integer string"),
        other => panic!("expected an integer, got {other}"),
    }
}

/// A JSON string field.
pub fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{field}` in {value}"))
        .to_owned()
}

/// A loopback port nothing listens on: bound, then closed.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
