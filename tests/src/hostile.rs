//! A scripted, hostile HTTP/1.1 and TLS server for the clients' conformance tests.
//!
//! [`HostileServer`] listens on `127.0.0.1` on an ephemeral port and answers every
//! connection the same way, as its [`Behavior`] says: a valid response, a reset, a
//! truncated or malformed response, a stall, a trickle, a huge head or body. It is
//! plain `std::net` with one thread per connection, bounded everywhere, and stops by
//! itself when dropped: it stops accepting, shuts every open connection down and joins
//! its threads, waiting at most [`DROP_WAIT`].
//!
//! Unless the behavior says otherwise, the server reads the whole request (its head,
//! then its body by `Content-Length` or chunked encoding) before it answers, serves
//! one request per connection and closes it afterwards (well-formed answers carry
//! `Connection: close`). Bytes that do not start like an HTTP request line (a TLS
//! ClientHello, say) get `400 Bad Request` and a close, so a client speaking https to
//! a plain port fails at once instead of waiting.
//!
//! [`HostileServer::start_tls`] serves the same behaviors over TLS with a leaf
//! certificate for `127.0.0.1` and `localhost` signed by a [`TestCa`] made in memory;
//! clients do not trust it unless a test adds [`TestCa::ca_pem`] to their roots.
//!
//! # For test authors
//!
//! - Counters are updated before the server answers: once a client call returns,
//!   [`HostileServer::connections`] and [`HostileServer::requests`] already count it
//!   (a retrying client shows one connection and one request per attempt). A
//!   connection the client closed before sending a whole head counts in
//!   `connections` only; so does a TLS connection whose handshake the client refused.
//! - Durations: [`Behavior::StallAfterHeaders`], [`Behavior::Silent`] and
//!   [`Behavior::Trickle`] hold a connection for at most [`STALL_LIMIT`] (30 s), less if
//!   the client closes (not for `Silent`, which never reads) or the server is dropped;
//!   give the client a short timeout. Sockets time out after [`IO_TIMEOUT`] (10 s).
//! - A redirect row: start the target first (`HostileServer::start(Behavior::json_ok())`),
//!   point [`Behavior::redirect`] at its [`HostileServer::url`], then assert
//!   `target.connections() == 0`.
//! - Redaction rows: [`Behavior::Echo`] puts the whole request (signature, secret id,
//!   every header) in the response body; [`HostileServer::request_heads`] with
//!   [`header_value`] checks what was sent (e.g. no `Referer`).
//! - `Expect: 100-continue` is not answered: the server waits for the body.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The longest any single behavior holds a connection open on purpose
/// ([`Behavior::StallAfterHeaders`], [`Behavior::Trickle`], [`Behavior::Silent`]);
/// dropping the server ends them sooner.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// The read and write timeout of every server socket: a client that stops reading or
/// writing for this long loses its connection.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// How long dropping a [`HostileServer`] waits for its connection threads at most
/// (they normally end within milliseconds, woken by the shutdown of their sockets).
pub const DROP_WAIT: Duration = Duration::from_secs(5);

/// How many bytes of header lines [`Behavior::HugeHeaders`] sends (1 MiB).
pub const HUGE_HEADERS_BYTES: usize = 1 << 20;

/// The body of [`Behavior::json_ok`] and [`Behavior::Trickle`]: a successful API 2.0 answer.
pub const JSON_OK: &str = r#"{"code":0,"message":"","codeDesc":"Success"}"#;

/// The body [`Behavior::Http09`] sends with no status line before it.
pub const HTTP09_BODY: &str = r#"{"code":0,"message":""}"#;

/// The Content-Length that [`Behavior::ResetMidBody`], [`Behavior::ShortBody`] announce.
pub const SHORT_BODY_LENGTH: usize = 1000;

/// How many body bytes [`Behavior::ResetMidBody`] and [`Behavior::ShortBody`] send.
pub const SHORT_BODY_SENT: usize = 100;

/// How long [`Behavior::ResetMidBody`] waits after its 100 bytes before the RST, so
/// the client has read them (an RST can discard data the client has not read yet).
pub const RESET_DELAY: Duration = Duration::from_millis(100);

/// The Content-Length that [`Behavior::StallAfterHeaders`] announces.
pub const STALL_BODY_LENGTH: usize = 100;

/// The repeated pattern [`Behavior::HugeBody`] streams.
pub const HUGE_BODY_PATTERN: &[u8; 16] = b"0123456789abcdef";

/// The answer to bytes that do not look like an HTTP request.
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
/// Connections beyond this many are closed at once, without a thread.
const MAX_CONNECTIONS: usize = 1024;
/// The largest request head (and chunk-size line) read.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body read.
const MAX_BODY: usize = 16 << 20;
/// The size of [`Behavior::HugeBody`]'s one reused buffer.
const CHUNK: usize = 64 * 1024;
/// How long a clean close waits for the client's own close.
const LINGER: Duration = Duration::from_secs(2);
/// How often sleeping and polling loops look at the stop flag.
const POLL: Duration = Duration::from_millis(10);

/// What the server does with every connection it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// Answers `status` with these headers and this body. `Content-Length` is added
    /// unless the headers have a `Content-Length` or `Transfer-Encoding`, and
    /// `Connection: close` unless they have a `Connection`.
    Respond {
        /// The status code; the reason phrase is the standard one.
        status: u16,
        /// Header lines, in order, as given.
        headers: Vec<(String, String)>,
        /// The body, as given.
        body: Vec<u8>,
    },
    /// Answers `status` with a `text/plain` body that is the whole request as
    /// received (request line, headers and body), the way WAF error pages and
    /// proxies do: for checking that secrets do not leak into errors.
    Echo {
        /// The status code (200 for [`Behavior::echo`]).
        status: u16,
    },
    /// Answers `status` (301, 302, 303, 307, 308…) with this `Location` and an empty body.
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` header's value, e.g. another server's [`HostileServer::url`].
        location: String,
    },
    /// Writes these bytes verbatim after the request, then closes cleanly.
    Raw(Vec<u8>),
    /// Reads the request, then closes with RST (SO_LINGER 0), answering nothing.
    ResetBeforeResponse,
    /// Sends a head with `Content-Length: 1000` and 100 body bytes, waits
    /// [`RESET_DELAY`], then closes with RST.
    ResetMidBody,
    /// Sends a head with `Content-Length: 1000` and 100 body bytes, then closes
    /// cleanly (FIN; over TLS, close_notify first).
    ShortBody,
    /// Sends `Transfer-Encoding: chunked` with the invalid chunk-size line `zz`.
    BadChunked,
    /// Sends `HTTP/1.1 abc nonsense\r\n\r\n`, then closes cleanly.
    GarbageStatusLine,
    /// Sends [`HTTP09_BODY`] with no status line or headers, then closes cleanly.
    Http09,
    /// Sends a head with `Content-Length: 100`, then nothing until the client closes,
    /// [`STALL_LIMIT`] passes or the server is dropped.
    StallAfterHeaders,
    /// Writes a valid `200` [`JSON_OK`] response one byte per `interval`, for at most
    /// [`STALL_LIMIT`] (then it closes mid-response).
    Trickle {
        /// The pause before each byte (1 s for [`Behavior::trickle`]).
        interval: Duration,
    },
    /// Sends a `200` status line, [`HUGE_HEADERS_BYTES`] of `X-Hostile-N` header
    /// lines, then a valid end of head and a [`JSON_OK`] body.
    HugeHeaders,
    /// Sends a `200` with a `len`-byte body of [`HUGE_BODY_PATTERN`], streamed from one
    /// 64 KiB buffer, stopping as soon as a write fails (the client closed).
    HugeBody {
        /// The body's length in bytes.
        len: u64,
        /// With `Content-Length: len` when true; chunked (64 KiB chunks) when false.
        content_length: bool,
    },
    /// Accepts and never reads or writes, until [`STALL_LIMIT`] passes or the server is
    /// dropped. Over TLS this means no handshake either.
    Silent,
}

impl Behavior {
    /// `200` with `Content-Type: application/json` and [`JSON_OK`].
    pub fn json_ok() -> Self {
        Self::json(200, JSON_OK)
    }

    /// `status` with `Content-Type: application/json` and this body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::typed(status, "application/json", body.into())
    }

    /// `status` with `Content-Type: text/html` and this body, like a gateway's error page.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self::typed(status, "text/html", body.into())
    }

    /// [`Behavior::Echo`] with status 200.
    pub fn echo() -> Self {
        Self::Echo { status: 200 }
    }

    /// [`Behavior::Redirect`] to `location`.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self::Redirect {
            status,
            location: location.into(),
        }
    }

    /// [`Behavior::Trickle`] at one byte a second.
    pub fn trickle() -> Self {
        Self::Trickle {
            interval: Duration::from_secs(1),
        }
    }

    /// [`Behavior::HugeBody`] of 2 GiB with a `Content-Length`.
    pub fn huge_body() -> Self {
        Self::HugeBody {
            len: 2 << 30,
            content_length: true,
        }
    }

    fn typed(status: u16, content_type: &str, body: String) -> Self {
        Self::Respond {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into_bytes(),
        }
    }
}

/// An in-memory certificate authority and a leaf certificate it signed, for
/// [`HostileServer::start_tls`]. Every `TestCa` has its own fresh ECDSA P-256 keys.
pub struct TestCa {
    ca_pem: String,
    ca_der: Vec<u8>,
    leaf_der: Vec<u8>,
    leaf_key_der: Vec<u8>,
}

impl TestCa {
    /// A CA and a leaf for `127.0.0.1` (an IP SAN) and `localhost` (a DNS SAN).
    pub fn new() -> Self {
        Self::for_names(&["127.0.0.1", "localhost"])
    }

    /// A CA and a leaf for exactly these names (IP addresses become IP SANs), e.g.
    /// `&["wrong.example"]` for a certificate that is trusted but names another host.
    pub fn for_names(names: &[&str]) -> Self {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "qcapi hostile test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign the CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().expect("generate the leaf key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut leaf_params = CertificateParams::new(names).expect("leaf params");
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "qcapi hostile test server");
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("sign the leaf");
        Self {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            leaf_der: leaf.der().to_vec(),
            leaf_key_der: leaf_key.serialize_der(),
        }
    }

    /// The CA certificate as PEM (`-----BEGIN CERTIFICATE-----`…), for a client's roots.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The CA certificate as DER.
    pub fn ca_der(&self) -> Vec<u8> {
        self.ca_der.clone()
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key_der.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(self.leaf_der.clone())], key)
            .expect("a valid leaf and key");
        Arc::new(config)
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// A loopback port with nothing listening on it (bound, read, released), for
/// connection-refused rows. Another process could take it in between; on a test
/// machine that is unlikely.
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("a local address").port()
}

/// The value of the first header called `name` (case-insensitive) in a raw request
/// head as [`HostileServer::request_heads`] returns it, trimmed.
pub fn header_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// The running server; dropping it stops it.
pub struct HostileServer {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl HostileServer {
    /// Starts a plain-TCP server answering every connection with `behavior`.
    pub fn start(behavior: Behavior) -> Self {
        Self::spawn(behavior, None)
    }

    /// Starts a TLS server answering every connection with `behavior`, presenting the
    /// leaf certificate that `ca` signed (chain: the leaf alone).
    pub fn start_tls(behavior: Behavior, ca: &TestCa) -> Self {
        Self::spawn(behavior, Some(ca.server_config()))
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`, with no trailing slash.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The listening address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far (those beyond 1024 are counted and closed at once).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Complete request heads read so far (over TLS: after a successful handshake).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Response body bytes written so far (payload only: no heads, no chunk framing).
    pub fn bytes_written(&self) -> u64 {
        self.shared.body_bytes.load(Ordering::SeqCst)
    }

    /// Every response byte written so far: heads, bodies, chunk framing (before TLS).
    pub fn total_bytes_written(&self) -> u64 {
        self.shared.total_bytes.load(Ordering::SeqCst)
    }

    /// The raw request heads received, in order: request line and header lines, each
    /// ending in `\r\n`, and the blank line (decoded as lossy UTF-8). See [`header_value`].
    pub fn request_heads(&self) -> Vec<String> {
        lock(&self.shared.heads).clone()
    }

    /// The request bodies received (chunked ones decoded), in the order of
    /// [`HostileServer::request_heads`]; empty where none was sent or it was cut short.
    pub fn request_bodies(&self) -> Vec<Vec<u8>> {
        lock(&self.shared.bodies).clone()
    }

    fn spawn(behavior: Behavior, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("a local address");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let shared = Arc::new(Shared::default());
        let is_tls = tls.is_some();
        let acceptor = {
            let shared = Arc::clone(&shared);
            let behavior = Arc::new(behavior);
            thread::Builder::new()
                .name(format!("hostile-accept-{}", addr.port()))
                .spawn(move || accept_loop(&listener, &behavior, tls.as_ref(), &shared))
                .expect("spawn the accept thread")
        };
        Self {
            addr,
            tls: is_tls,
            shared,
            acceptor: Some(acceptor),
        }
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // The accept loop polls every few milliseconds; once it has ended, every
        // connection it accepted has its socket registered.
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for socket in lock(&self.shared.sockets).values() {
            let _ = socket.shutdown(Shutdown::Both);
        }
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        let deadline = Instant::now() + DROP_WAIT;
        for worker in workers {
            while !worker.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
            if worker.is_finished() {
                let _ = worker.join();
            }
        }
    }
}

impl std::fmt::Debug for HostileServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostileServer")
            .field("url", &self.url())
            .field("connections", &self.connections())
            .field("requests", &self.requests())
            .finish()
    }
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    requests: AtomicUsize,
    body_bytes: AtomicU64,
    total_bytes: AtomicU64,
    heads: Mutex<Vec<String>>,
    bodies: Mutex<Vec<Vec<u8>>>,
    /// A clone of each open connection's socket, so dropping the server can shut it
    /// down; each connection removes its own before it closes (else the clone would
    /// keep the socket open, with neither FIN nor RST).
    sockets: Mutex<HashMap<usize, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn accept_loop(
    listener: &TcpListener,
    behavior: &Arc<Behavior>,
    tls: Option<&Arc<rustls::ServerConfig>>,
    shared: &Arc<Shared>,
) {
    while !shared.stopped() {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => {
                thread::sleep(Duration::from_millis(2));
                continue;
            }
        };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst);
        if id >= MAX_CONNECTIONS || stream.set_nonblocking(false).is_err() {
            continue;
        }
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_nodelay(true);
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let io = match tls {
            None => Io::Plain(stream),
            Some(config) => match rustls::ServerConnection::new(Arc::clone(config)) {
                Ok(conn) => Io::Tls(Box::new(rustls::StreamOwned::new(conn, stream))),
                Err(_) => continue,
            },
        };
        lock(&shared.sockets).insert(id, clone);
        let conn = Conn {
            io,
            id,
            shared: Arc::clone(shared),
        };
        let behavior = Arc::clone(behavior);
        let spawned = thread::Builder::new()
            .name(format!("hostile-conn-{id}"))
            .spawn(move || {
                // Errors are the client going away, which is what hostile rows do.
                let _ = serve(conn, &behavior);
            });
        match spawned {
            Ok(handle) => lock(&shared.workers).push(handle),
            // The closure, and the connection in it, is gone: unregistered by Conn's drop.
            Err(_) => continue,
        }
    }
}

enum Io {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

/// One accepted connection; dropping it closes it (after unregistering its clone).
struct Conn {
    io: Io,
    id: usize,
    shared: Arc<Shared>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        lock(&self.shared.sockets).remove(&self.id);
    }
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match &self.io {
            Io::Plain(stream) => stream,
            Io::Tls(stream) => &stream.sock,
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.io {
            Io::Plain(stream) => stream.read(buf),
            Io::Tls(stream) => {
                let result = stream.read(buf);
                if result.is_err() {
                    // Send the alert rustls queued (e.g. for plain HTTP on a TLS port).
                    let _ = stream.conn.write_tls(&mut stream.sock);
                }
                result
            }
        }
    }

    /// Writes all of `bytes` and flushes, counting what was written.
    fn send(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.shared.stopped() {
                return Err(io::Error::other("server stopped"));
            }
            let written = match &mut self.io {
                Io::Plain(stream) => stream.write(bytes),
                Io::Tls(stream) => stream.write(bytes),
            };
            match written {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.shared
                        .total_bytes
                        .fetch_add(n as u64, Ordering::SeqCst);
                    bytes = &bytes[n..];
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        match &mut self.io {
            Io::Plain(stream) => stream.flush(),
            Io::Tls(stream) => stream.flush(),
        }
    }

    /// [`Conn::send`] for body bytes, which also count in `bytes_written`.
    fn send_body(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.send(bytes)?;
        self.count_body(bytes.len());
        Ok(())
    }

    fn count_body(&self, n: usize) {
        self.shared.body_bytes.fetch_add(n as u64, Ordering::SeqCst);
    }

    /// Sleeps for `duration` in short steps; false if the server stopped meanwhile.
    fn pause(&self, duration: Duration) -> bool {
        let end = Instant::now() + duration;
        loop {
            if self.shared.stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            thread::sleep(POLL.min(end - now));
        }
    }

    /// Reads and discards (from the TCP socket, under any TLS) until the client
    /// closes, `limit` passes or the server stops.
    fn wait_for_client_close(&mut self, limit: Duration) {
        let end = Instant::now() + limit;
        let mut tcp = self.tcp();
        let _ = tcp.set_read_timeout(Some(POLL));
        let mut sink = [0u8; 4096];
        while !self.shared.stopped() && Instant::now() < end {
            match tcp.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return,
            }
        }
    }

    /// Closes cleanly: close_notify over TLS, then FIN, then waits a little for the
    /// client's own close so unread request bytes cannot turn the close into an RST.
    fn finish(mut self) {
        if let Io::Tls(stream) = &mut self.io {
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
        let _ = self.tcp().shutdown(Shutdown::Write);
        self.wait_for_client_close(LINGER);
    }

    /// Closes with RST: SO_LINGER 0, then close.
    fn reset(self) {
        let _ = socket2::SockRef::from(self.tcp()).set_linger(Some(Duration::ZERO));
    }
}

/// A request as read: its raw head and its (decoded) body.
struct Request {
    head: Vec<u8>,
    body: Vec<u8>,
}

/// Reads from a connection through a buffer, for the request head, body and chunks.
struct Incoming<'a> {
    conn: &'a mut Conn,
    buf: Vec<u8>,
    pos: usize,
}

impl Incoming<'_> {
    fn more(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.conn.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// The head through its blank line; `None` once the bytes cannot be an HTTP request.
    fn head(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = find(self.pending(), b"\r\n\r\n") {
                let head = self.pending()[..i + 4].to_vec();
                self.pos += i + 4;
                return Ok(Some(head));
            }
            if !looks_like_request(self.pending()) || self.pending().len() > MAX_HEAD {
                return Ok(None);
            }
            self.more()?;
        }
    }

    fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = find(self.pending(), b"\r\n") {
                let line = self.pending()[..i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            if self.pending().len() > MAX_HEAD {
                return Err(io::ErrorKind::InvalidData.into());
            }
            self.more()?;
        }
    }

    fn take(&mut self, n: usize, into: &mut Vec<u8>) -> io::Result<()> {
        if into.len() + n > MAX_BODY {
            return Err(io::ErrorKind::InvalidData.into());
        }
        while self.pending().len() < n {
            self.more()?;
        }
        into.extend_from_slice(&self.pending()[..n]);
        self.pos += n;
        Ok(())
    }

    fn chunked_body(&mut self, into: &mut Vec<u8>) -> io::Result<()> {
        loop {
            let line = self.line()?;
            let size = std::str::from_utf8(&line)
                .ok()
                .and_then(|l| usize::from_str_radix(l.split(';').next()?.trim(), 16).ok())
                .ok_or(io::ErrorKind::InvalidData)?;
            if size == 0 {
                // Trailers, up to the blank line.
                while !self.line()?.is_empty() {}
                return Ok(());
            }
            self.take(size, into)?;
            if !self.line()?.is_empty() {
                return Err(io::ErrorKind::InvalidData.into());
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether these first bytes can still begin an HTTP request line (`METHOD SP`…).
fn looks_like_request(bytes: &[u8]) -> bool {
    let method_len = bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len());
    method_len <= 16
        && bytes[..method_len]
            .iter()
            .all(|b| b.is_ascii_uppercase() || *b == b'-')
        && (method_len > 0 || bytes.is_empty())
}

/// Reads one request and records it; `None` if the bytes were not HTTP.
fn read_request(conn: &mut Conn) -> io::Result<Option<Request>> {
    let mut incoming = Incoming {
        conn,
        buf: Vec::with_capacity(8192),
        pos: 0,
    };
    let Some(head) = incoming.head()? else {
        return Ok(None);
    };
    let shared = Arc::clone(&incoming.conn.shared);
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let head_text = String::from_utf8_lossy(&head).into_owned();
    lock(&shared.heads).push(head_text.clone());

    let chunked = header_value(&head_text, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = header_value(&head_text, "content-length").and_then(|v| v.parse::<usize>().ok());
    let mut body = Vec::new();
    let result = if chunked {
        incoming.chunked_body(&mut body)
    } else {
        incoming.take(length.unwrap_or(0), &mut body)
    };
    if result.is_err() {
        body.clear();
    }
    lock(&shared.bodies).push(body.clone());
    result?;
    Ok(Some(Request { head, body }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Whatever",
    }
}

/// A response head: status line, `headers`, then `Content-Length: body_len` and
/// `Connection: close` unless `headers` already frame the body or name a connection.
fn head(status: u16, headers: &[(String, String)], body_len: usize) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has("content-length") && !has("transfer-encoding") {
        out.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    if !has("connection") {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn json_head(content_length: usize) -> Vec<u8> {
    head(
        200,
        &[("Content-Type".to_owned(), "application/json".to_owned())],
        content_length,
    )
}

fn serve(mut conn: Conn, behavior: &Behavior) -> io::Result<()> {
    if *behavior == Behavior::Silent {
        conn.pause(STALL_LIMIT);
        return Ok(());
    }
    let Some(request) = read_request(&mut conn)? else {
        conn.send(BAD_REQUEST)?;
        conn.finish();
        return Ok(());
    };
    match behavior {
        Behavior::Respond {
            status,
            headers,
            body,
        } => {
            conn.send(&head(*status, headers, body.len()))?;
            conn.send_body(body)?;
        }
        Behavior::Echo { status } => {
            let mut body = request.head;
            body.extend_from_slice(&request.body);
            let headers = [("Content-Type".to_owned(), "text/plain".to_owned())];
            conn.send(&head(*status, &headers, body.len()))?;
            conn.send_body(&body)?;
        }
        Behavior::Redirect { status, location } => {
            conn.send(&head(
                *status,
                &[("Location".to_owned(), location.clone())],
                0,
            ))?;
        }
        Behavior::Raw(bytes) => conn.send(bytes)?,
        Behavior::ResetBeforeResponse => {
            conn.reset();
            return Ok(());
        }
        Behavior::ResetMidBody | Behavior::ShortBody => {
            conn.send(&json_head(SHORT_BODY_LENGTH))?;
            conn.send_body(&[b'x'; SHORT_BODY_SENT])?;
            if *behavior == Behavior::ResetMidBody {
                conn.pause(RESET_DELAY);
                conn.reset();
                return Ok(());
            }
        }
        Behavior::BadChunked => {
            let headers = [
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Transfer-Encoding".to_owned(), "chunked".to_owned()),
            ];
            conn.send(&head(200, &headers, 0))?;
            conn.send(b"zz\r\n")?;
            conn.send_body(JSON_OK.as_bytes())?;
            conn.send(b"\r\n0\r\n\r\n")?;
        }
        Behavior::GarbageStatusLine => conn.send(b"HTTP/1.1 abc nonsense\r\n\r\n")?,
        Behavior::Http09 => conn.send_body(HTTP09_BODY.as_bytes())?,
        Behavior::StallAfterHeaders => {
            conn.send(&json_head(STALL_BODY_LENGTH))?;
            conn.wait_for_client_close(STALL_LIMIT);
            return Ok(());
        }
        Behavior::Trickle { interval } => {
            let head = json_head(JSON_OK.len());
            let end = Instant::now() + STALL_LIMIT;
            let bytes = [&head[..], JSON_OK.as_bytes()].concat();
            for (i, byte) in bytes.iter().enumerate() {
                if !conn.pause(*interval) || Instant::now() >= end {
                    return Ok(());
                }
                conn.send(std::slice::from_ref(byte))?;
                if i >= head.len() {
                    conn.count_body(1);
                }
            }
        }
        Behavior::HugeHeaders => {
            let mut out = Vec::with_capacity(HUGE_HEADERS_BYTES + 4096);
            out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
            let filler = "a".repeat(1000);
            let mut n = 0;
            while out.len() < HUGE_HEADERS_BYTES {
                out.extend_from_slice(format!("X-Hostile-{n}: {filler}\r\n").as_bytes());
                n += 1;
            }
            out.extend_from_slice(
                format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    JSON_OK.len()
                )
                .as_bytes(),
            );
            conn.send(&out)?;
            conn.send_body(JSON_OK.as_bytes())?;
        }
        Behavior::HugeBody {
            len,
            content_length,
        } => huge_body(&mut conn, *len, *content_length)?,
        Behavior::Silent => unreachable!("handled before reading"),
    }
    conn.finish();
    Ok(())
}

fn huge_body(conn: &mut Conn, len: u64, content_length: bool) -> io::Result<()> {
    let framing = if content_length {
        ("Content-Length".to_owned(), len.to_string())
    } else {
        ("Transfer-Encoding".to_owned(), "chunked".to_owned())
    };
    let headers = [
        ("Content-Type".to_owned(), "application/json".to_owned()),
        framing,
    ];
    conn.send(&head(200, &headers, 0))?;
    // One buffer for the whole body: the chunk-size line, the data, the chunk's CRLF.
    let prefix = format!("{CHUNK:x}\r\n");
    let mut frame = Vec::with_capacity(prefix.len() + CHUNK + 2);
    frame.extend_from_slice(prefix.as_bytes());
    frame.extend(HUGE_BODY_PATTERN.iter().cycle().take(CHUNK));
    frame.extend_from_slice(b"\r\n");
    let data = prefix.len()..prefix.len() + CHUNK;
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
        if content_length {
            conn.send(&frame[data.start..data.start + n])?;
        } else if n == CHUNK {
            conn.send(&frame)?;
        } else {
            conn.send(format!("{n:x}\r\n").as_bytes())?;
            conn.send(&frame[data.start..data.start + n])?;
            conn.send(b"\r\n")?;
        }
        conn.count_body(n);
        left -= n as u64;
    }
    if !content_length {
        conn.send(b"0\r\n\r\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &[u8] = b"POST /v2/index.php HTTP/1.1\r\nHost: 127.0.0.1\r\n\
        Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nAction=Test";

    /// How the server's side of the connection ended, as a raw client saw it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum End {
        /// A clean close: read returned 0.
        Fin,
        /// An RST: read failed with ConnectionReset.
        Reset,
        /// Still open when the client stopped waiting.
        Open,
    }

    /// Sends `request` on a fresh connection and reads until the server closes or
    /// goes quiet for `quiet`.
    fn exchange(addr: SocketAddr, request: &[u8], quiet: Duration) -> (Vec<u8>, End) {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(quiet)).unwrap();
        stream.write_all(request).expect("send the request");
        read_all(&mut stream)
    }

    fn read_all(stream: &mut impl Read) -> (Vec<u8>, End) {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => return (bytes, End::Fin),
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    return (bytes, End::Reset);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return (bytes, End::Open);
                }
                Err(e) => panic!("unexpected read error: {e}"),
            }
        }
    }

    /// What one behavior must produce for [`REQUEST`].
    struct Row {
        behavior: Behavior,
        /// The response starts with these bytes…
        starts: Vec<u8>,
        /// …and, when given, is exactly this long.
        len: Option<usize>,
        /// It also contains these bytes.
        contains: &'static [u8],
        /// How the server closed (or did not).
        end: End,
        /// `bytes_written()` afterwards.
        body_bytes: usize,
        /// `requests()` afterwards.
        requests: usize,
    }

    fn row(behavior: Behavior, starts: impl AsRef<[u8]>, end: End) -> Row {
        Row {
            behavior,
            starts: starts.as_ref().to_vec(),
            len: None,
            contains: b"",
            end,
            body_bytes: 0,
            requests: 1,
        }
    }

    impl Row {
        fn exact(self) -> Self {
            let len = self.starts.len();
            self.len(len)
        }
        fn len(mut self, len: usize) -> Self {
            self.len = Some(len);
            self
        }
        fn contains(mut self, bytes: &'static [u8]) -> Self {
            self.contains = bytes;
            self
        }
        fn body(mut self, n: usize) -> Self {
            self.body_bytes = n;
            self
        }
        fn requests(mut self, n: usize) -> Self {
            self.requests = n;
            self
        }
    }

    /// Runs one row against a fresh plain server and checks everything it says.
    fn check(row: Row) {
        let name = format!("{:?}", row.behavior);
        let name = &name[..name.len().min(80)];
        let server = HostileServer::start(row.behavior);
        let quiet = Duration::from_millis(if row.end == End::Open { 300 } else { 3000 });
        let (bytes, end) = exchange(server.addr(), REQUEST, quiet);
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        assert!(bytes.starts_with(&row.starts), "{name}: got {shown:?}");
        if let Some(len) = row.len {
            assert_eq!(bytes.len(), len, "{name}: got {shown:?}");
        }
        assert!(
            row.contains.is_empty() || find(&bytes, row.contains).is_some(),
            "{name}: got {shown:?}"
        );
        assert_eq!(end, row.end, "{name}: got {shown:?}");
        assert_eq!(server.connections(), 1, "{name}");
        assert_eq!(server.requests(), row.requests, "{name}");
        assert_eq!(server.bytes_written(), row.body_bytes as u64, "{name}");
        if row.requests == 1 {
            assert_eq!(server.request_bodies(), [b"Action=Test"], "{name}");
            assert!(server.request_heads()[0].starts_with("POST /v2/index.php HTTP/1.1\r\n"));
        }
    }

    fn json_response(status_line: &str, body: &str) -> String {
        format!(
            "{status_line}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
    }

    #[test]
    fn each_behavior_sends_its_bytes() {
        let ok = json_response("HTTP/1.1 200 OK", JSON_OK);
        let short_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
            Content-Length: 1000\r\nConnection: close\r\n\r\n";
        let short = format!("{short_head}{}", "x".repeat(SHORT_BODY_SENT));
        let echo = [
            &b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"[..],
            format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                REQUEST.len()
            )
            .as_bytes(),
            REQUEST,
        ]
        .concat();
        let mib = 1 << 20;
        let cl_head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            mib + 5
        );
        let chunked_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        let rows = [
            row(Behavior::json_ok(), &ok, End::Fin).exact().body(JSON_OK.len()),
            row(
                Behavior::html(502, "<html>bad gateway</html>"),
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 24\r\n\
                 Connection: close\r\n\r\n<html>bad gateway</html>",
                End::Fin,
            )
            .exact()
            .body(24),
            row(
                Behavior::Respond {
                    status: 200,
                    headers: vec![("Connection".into(), "keep-alive".into())],
                    body: b"{}".to_vec(),
                },
                "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}",
                End::Fin,
            )
            .exact()
            .body(2),
            row(Behavior::Echo { status: 403 }, &echo, End::Fin)
                .exact()
                .body(REQUEST.len()),
            row(
                Behavior::redirect(307, "http://127.0.0.1:9/next"),
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:9/next\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n",
                End::Fin,
            )
            .exact(),
            row(Behavior::Raw(b"\x00\x01garbage\r\n\r\n".to_vec()), b"\x00\x01garbage\r\n\r\n", End::Fin).exact(),
            row(Behavior::ResetBeforeResponse, "", End::Reset).exact(),
            row(Behavior::ResetMidBody, &short, End::Reset)
                .exact()
                .body(SHORT_BODY_SENT),
            row(Behavior::ShortBody, &short, End::Fin)
                .exact()
                .body(SHORT_BODY_SENT),
            row(
                Behavior::BadChunked,
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{JSON_OK}\r\n0\r\n\r\n"
                ),
                End::Fin,
            )
            .exact()
            .body(JSON_OK.len()),
            row(Behavior::GarbageStatusLine, "HTTP/1.1 abc nonsense\r\n\r\n", End::Fin).exact(),
            row(Behavior::Http09, HTTP09_BODY, End::Fin)
                .exact()
                .body(HTTP09_BODY.len()),
            row(
                Behavior::StallAfterHeaders,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\
                 Connection: close\r\n\r\n",
                End::Open,
            )
            .exact(),
            row(
                Behavior::Trickle {
                    interval: Duration::from_millis(1),
                },
                &ok,
                End::Fin,
            )
            .exact()
            .body(JSON_OK.len()),
            row(Behavior::HugeHeaders, "HTTP/1.1 200 OK\r\nX-Hostile-0: aaa", End::Fin)
                .contains(b"Connection: close\r\n\r\n{\"code\":0,")
                .body(JSON_OK.len()),
            row(
                Behavior::HugeBody {
                    len: mib as u64 + 5,
                    content_length: true,
                },
                format!("{cl_head}0123456789abcdef0123"),
                End::Fin,
            )
            .len(cl_head.len() + mib + 5)
            .body(mib + 5),
            row(
                Behavior::HugeBody {
                    len: mib as u64 + 5,
                    content_length: false,
                },
                format!("{chunked_head}10000\r\n0123456789abcdef"),
                End::Fin,
            )
            // 16 full chunks ("10000\r\n", data, "\r\n"), "5\r\n", 5 bytes, "\r\n", "0\r\n\r\n".
            .len(chunked_head.len() + 16 * (7 + CHUNK + 2) + 3 + 5 + 2 + 5)
            .body(mib + 5),
            row(Behavior::Silent, "", End::Open).exact().requests(0),
        ];
        thread::scope(|scope| {
            for row in rows {
                scope.spawn(move || check(row));
            }
        });
    }

    #[test]
    fn huge_headers_are_a_mebibyte_of_lines() {
        let server = HostileServer::start(Behavior::HugeHeaders);
        let (bytes, end) = exchange(server.addr(), REQUEST, Duration::from_secs(3));
        assert_eq!(end, End::Fin);
        let head_end = find(&bytes, b"\r\n\r\n").expect("an end of head") + 4;
        assert!(head_end > HUGE_HEADERS_BYTES, "{head_end}");
        assert_eq!(&bytes[head_end..], JSON_OK.as_bytes());
        assert_eq!(server.total_bytes_written(), bytes.len() as u64);
    }

    #[test]
    fn trickle_takes_an_interval_per_byte() {
        let interval = Duration::from_millis(2);
        let server = HostileServer::start(Behavior::Trickle { interval });
        let started = Instant::now();
        let (bytes, end) = exchange(server.addr(), REQUEST, Duration::from_secs(3));
        assert_eq!(end, End::Fin);
        assert!(started.elapsed() >= interval * bytes.len() as u32);
    }

    #[test]
    fn counters_and_recorded_requests() {
        let server = HostileServer::start(Behavior::json_ok());
        assert_eq!((server.connections(), server.requests()), (0, 0));
        assert!(server.url().starts_with("http://127.0.0.1:"));
        assert!(server.url().ends_with(&format!(":{}", server.port())));
        exchange(server.addr(), REQUEST, Duration::from_secs(3));
        let chunked = b"POST /chunked HTTP/1.1\r\nHost: localhost\r\nReferer: x\r\n\
            Transfer-Encoding: chunked\r\n\r\n6\r\nAction\r\n5;ext=1\r\n=Test\r\n0\r\n\r\n";
        let (bytes, _) = exchange(server.addr(), chunked, Duration::from_secs(3));
        assert!(bytes.starts_with(b"HTTP/1.1 200 OK\r\n"));
        // Not HTTP (the start of a TLS ClientHello): a 400 and a close, no request counted.
        let (bytes, end) = exchange(
            server.addr(),
            b"\x16\x03\x01\x02\x00\x01",
            Duration::from_secs(3),
        );
        assert_eq!(bytes, BAD_REQUEST);
        assert_eq!(end, End::Fin);
        // A connection that closes without a word.
        drop(TcpStream::connect(server.addr()).unwrap());
        let deadline = Instant::now() + Duration::from_secs(2);
        while server.connections() < 4 && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        assert_eq!(server.connections(), 4);
        assert_eq!(server.requests(), 2);
        assert_eq!(server.bytes_written(), 2 * JSON_OK.len() as u64);
        let heads = server.request_heads();
        assert_eq!(heads.len(), 2);
        assert!(heads[0].ends_with("Content-Length: 11\r\n\r\n"));
        assert_eq!(header_value(&heads[0], "host"), Some("127.0.0.1"));
        assert_eq!(header_value(&heads[0], "referer"), None);
        assert_eq!(header_value(&heads[1], "REFERER"), Some("x"));
        assert_eq!(server.request_bodies(), [b"Action=Test", b"Action=Test"]);
    }

    #[test]
    fn a_redirect_target_counts_its_connections() {
        let target = HostileServer::start(Behavior::json_ok());
        let server = HostileServer::start(Behavior::redirect(308, target.url() + "/moved"));
        let (bytes, _) = exchange(server.addr(), REQUEST, Duration::from_secs(3));
        let location = format!("Location: {}/moved\r\n", target.url());
        assert!(find(&bytes, location.as_bytes()).is_some());
        assert_eq!(target.connections(), 0);
    }

    #[test]
    fn huge_body_stops_when_the_client_closes() {
        for content_length in [true, false] {
            let server = HostileServer::start(Behavior::HugeBody {
                len: 2 << 30,
                content_length,
            });
            let mut stream = TcpStream::connect(server.addr()).unwrap();
            stream.write_all(REQUEST).unwrap();
            let mut buf = vec![0u8; 1 << 20];
            stream.read_exact(&mut buf).unwrap();
            drop(stream);
            // The writer notices within a few socket buffers' worth and stops.
            let mut last = u64::MAX;
            let deadline = Instant::now() + Duration::from_secs(5);
            while server.bytes_written() != last && Instant::now() < deadline {
                last = server.bytes_written();
                thread::sleep(Duration::from_millis(50));
            }
            assert!(last < 64 << 20, "wrote {last} bytes after the client left");
            assert!(last >= 1 << 19, "{last}");
        }
    }

    #[test]
    fn drop_closes_open_connections_quickly() {
        for behavior in [
            Behavior::StallAfterHeaders,
            Behavior::Silent,
            Behavior::trickle(),
        ] {
            let server = HostileServer::start(behavior.clone());
            let mut streams: Vec<TcpStream> = (0..3)
                .map(|_| {
                    let mut s = TcpStream::connect(server.addr()).unwrap();
                    s.write_all(REQUEST).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                    s
                })
                .collect();
            let deadline = Instant::now() + Duration::from_secs(2);
            while server.connections() < 3 && Instant::now() < deadline {
                thread::sleep(POLL);
            }
            let started = Instant::now();
            drop(server);
            let took = started.elapsed();
            assert!(
                took < Duration::from_secs(1),
                "{behavior:?}: drop took {took:?}"
            );
            for stream in &mut streams {
                // The server's side is gone: the read ends (Fin or Reset) without timing out.
                let (_, end) = read_all(stream);
                assert_ne!(end, End::Open, "{behavior:?}");
            }
        }
    }

    #[test]
    fn refused_port_refuses() {
        let port = refused_port();
        let err = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }

    fn tls_client(
        ca: &TestCa,
        addr: SocketAddr,
    ) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(ca.ca_der())).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        rustls::StreamOwned::new(conn, sock)
    }

    #[test]
    fn tls_serves_a_client_that_trusts_the_ca() {
        let ca = TestCa::new();
        assert!(ca.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let server = HostileServer::start_tls(Behavior::json_ok(), &ca);
        assert!(server.url().starts_with("https://127.0.0.1:"));
        let mut client = tls_client(&ca, server.addr());
        client.write_all(REQUEST).unwrap();
        let (bytes, end) = read_all(&mut client);
        assert_eq!(bytes, json_response("HTTP/1.1 200 OK", JSON_OK).as_bytes());
        assert_eq!(end, End::Fin, "close_notify, then FIN");
        assert_eq!((server.connections(), server.requests()), (1, 1));
        assert_eq!(server.request_bodies(), [b"Action=Test"]);
    }

    #[test]
    fn tls_with_another_ca_is_refused_by_the_client() {
        let server = HostileServer::start_tls(Behavior::json_ok(), &TestCa::new());
        let mut client = tls_client(&TestCa::new(), server.addr());
        let err = client
            .write_all(REQUEST)
            .and_then(|()| client.flush())
            .and_then(|()| {
                let mut buf = [0u8; 16];
                client.read(&mut buf).map(|_| ())
            });
        assert!(err.is_err());
        let deadline = Instant::now() + Duration::from_secs(2);
        while server.connections() < 1 && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        assert_eq!((server.connections(), server.requests()), (1, 0));
    }

    #[test]
    fn plain_http_to_a_tls_port_is_closed_at_once() {
        let server = HostileServer::start_tls(Behavior::json_ok(), &TestCa::new());
        let started = Instant::now();
        let (bytes, end) = exchange(server.addr(), REQUEST, Duration::from_secs(3));
        assert_ne!(end, End::Open);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            !bytes.starts_with(b"HTTP/"),
            "a TLS alert at most: {bytes:?}"
        );
        assert_eq!(server.requests(), 0);
    }

    #[test]
    fn tls_to_a_plain_port_gets_a_400_and_a_close() {
        let ca = TestCa::new();
        let server = HostileServer::start(Behavior::json_ok());
        let mut client = tls_client(&ca, server.addr());
        let started = Instant::now();
        assert!(
            client
                .write_all(REQUEST)
                .and_then(|()| client.flush())
                .is_err()
                || {
                    let mut buf = [0u8; 16];
                    client.read(&mut buf).is_err()
                }
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!((server.connections(), server.requests()), (1, 0));
    }

    #[test]
    fn tls_serves_every_behavior_it_is_given() {
        let ca = TestCa::new();
        let server = HostileServer::start_tls(Behavior::ShortBody, &ca);
        let mut client = tls_client(&ca, server.addr());
        client.write_all(REQUEST).unwrap();
        let mut bytes = Vec::new();
        // A clean TLS close (close_notify) after 100 of the 1000 promised bytes.
        client.read_to_end(&mut bytes).unwrap();
        assert!(bytes.ends_with(&[b'x'; SHORT_BODY_SENT]));
        assert_eq!(server.bytes_written(), SHORT_BODY_SENT as u64);
    }

    #[test]
    fn a_leaf_for_other_names_is_refused_even_with_the_ca_trusted() {
        let ca = TestCa::for_names(&["wrong.example"]);
        let server = HostileServer::start_tls(Behavior::json_ok(), &ca);
        let mut client = tls_client(&ca, server.addr());
        assert!(
            client
                .write_all(REQUEST)
                .and_then(|()| client.flush())
                .is_err()
        );
        assert_eq!(server.requests(), 0);
    }
}
