//! Hostile clients over raw loopback sockets: slow, silent and idle connections,
//! the connection cap, oversized bodies, other HTTP methods, invalid UTF-8 and a
//! missing Region. Every wait is bounded; every socket and server is dropped.

use qcapi_tests::wire as common;

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use common::{call, config, expect_ok, nonce, now, raw_exchange, send, status_of};
use qcapi_core::request::{request_params, sign_params};
use qcapi_core::{HttpMethod, SignContext, SignatureMethod, build_request, vpc};
use qcapi_emulator::{Account, DEMO_A_SECRET_ID, Emulator, MAX_BODY_BYTES};
use serde_json::Value;

/// Longer than any of these tests runs: a connection closed under it was closed by
/// something else.
const LONG: Duration = Duration::from_secs(30);
/// Short enough to expire several times within one test.
const SHORT: Duration = Duration::from_millis(300);
/// The most a test waits for something that must happen.
const BOUND: Duration = Duration::from_secs(10);

fn emulator(header_read_timeout: Duration, idle_timeout: Duration) -> Emulator {
    Emulator::builder()
        .header_read_timeout(header_read_timeout)
        .idle_timeout(idle_timeout)
        .start()
        .expect("start")
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(BOUND)).expect("read timeout");
    stream
        .set_write_timeout(Some(BOUND))
        .expect("write timeout");
    stream
}

/// Whether the server closes `stream` within `wait` (EOF or reset, not a timeout).
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).expect("read timeout");
    let mut buf = [0; 1024];
    // Bounded: each read either returns data (at most a few responses' worth) or ends the loop.
    for _ in 0..64 {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
    false
}

/// Whether the server still holds `stream` open without having answered.
fn still_open(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0; 16];
    let open = matches!((&*stream).read(&mut buf), Err(e) if e.kind() == ErrorKind::WouldBlock);
    stream.set_nonblocking(false).expect("blocking");
    open
}

/// Reads one response (head, then a `Content-Length` body) from a kept-alive connection.
fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0; 4096];
    // Bounded by the read timeout per read and by the response size.
    while received.len() < 1 << 20 {
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text.into_owned();
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

/// Writes one byte of a never-ending header to each stream every few milliseconds
/// until stopped, a write fails, or its byte budget is spent.
struct Trickler {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Trickler {
    fn start(mut streams: Vec<TcpStream>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let head = b"GET /v2/index.php HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            for round in 0..2000 {
                if stopping.load(Ordering::Relaxed) || streams.is_empty() {
                    break;
                }
                let byte = head.get(round).copied().unwrap_or(b'a');
                streams.retain_mut(|s| s.write_all(&[byte]).is_ok());
                thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Trickler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn describe() -> vpc::DescribeVpcEx {
    vpc::DescribeVpcEx::new()
}

#[test]
fn five_hundred_slow_connections_do_not_starve_another_client() {
    let emulator = emulator(LONG, LONG);
    let addr = emulator.addr();
    let silent: Vec<TcpStream> = (0..200).map(|_| connect(addr)).collect();
    let half_headers: Vec<TcpStream> = (0..150)
        .map(|_| {
            let mut stream = connect(addr);
            stream
                .write_all(b"POST /v2/index.php HTTP/1.1\r\nHost: x\r\nContent-")
                .expect("write");
            stream
        })
        .collect();
    let trickling: Vec<TcpStream> = (0..150).map(|_| connect(addr)).collect();
    let observed: Vec<TcpStream> = trickling
        .iter()
        .map(|s| s.try_clone().expect("clone"))
        .collect();
    let trickler = Trickler::start(trickling);

    // Served while all 500 are held (the agent gives up after 10 s).
    let account = Account::demo_a();
    for _ in 0..3 {
        expect_ok(call(&emulator, &account, &describe()));
    }

    let held = silent
        .iter()
        .chain(&half_headers)
        .chain(&observed)
        .filter(|s| still_open(s))
        .count();
    assert_eq!(held, 500, "the slow connections were not all held open");
    drop(trickler);
}

#[derive(Debug, Clone, Copy)]
enum Slowness {
    Silent,
    HalfHeader,
    Trickle,
}

#[test]
fn the_header_read_timeout_closes_slow_connections() {
    let emulator = emulator(SHORT, LONG);
    let check = |slowness: Slowness| {
        let mut stream = connect(emulator.addr());
        let _trickler = match slowness {
            Slowness::Silent => None,
            Slowness::HalfHeader => {
                stream
                    .write_all(b"GET /v2/index.php HTTP/1.1\r\nHost: x\r\n")
                    .expect("write");
                None
            }
            // Bytes keep coming, but the head never completes: the clock runs from the first.
            Slowness::Trickle => Some(Trickler::start(vec![stream.try_clone().expect("clone")])),
        };
        assert!(closed_within(&mut stream, BOUND), "{slowness:?}");
    };
    check(Slowness::Silent);
    check(Slowness::HalfHeader);
    check(Slowness::Trickle);
    // Closing them does not stop the server.
    expect_ok(call(&emulator, &Account::demo_a(), &describe()));
}

const KEEP_ALIVE_REQUEST: &[u8] = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn the_idle_timeout_closes_kept_alive_connections() {
    let emulator = emulator(LONG, SHORT);
    let mut stream = connect(emulator.addr());
    stream.write_all(KEEP_ALIVE_REQUEST).expect("write");
    assert_eq!(status_of(&read_response(&mut stream)), 404);
    assert!(closed_within(&mut stream, BOUND));
}

#[test]
fn the_idle_allowance_is_not_the_header_read_timeout() {
    // A short header clock must not cut a kept-alive connection between requests.
    let emulator = emulator(SHORT, LONG);
    let mut stream = connect(emulator.addr());
    stream.write_all(KEEP_ALIVE_REQUEST).expect("write");
    assert_eq!(status_of(&read_response(&mut stream)), 404);
    assert!(!closed_within(&mut stream, SHORT * 3), "closed while idle");
    stream.write_all(KEEP_ALIVE_REQUEST).expect("write");
    assert_eq!(status_of(&read_response(&mut stream)), 404);
}

#[test]
fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let emulator = Emulator::builder()
        .max_connections(2)
        .header_read_timeout(LONG)
        .start()
        .expect("start");
    let addr = emulator.addr();
    let first = connect(addr);
    let _second = connect(addr);
    // The kernel completes the handshake; the emulator does not accept it yet.
    let mut waiting = connect(addr);
    waiting
        .write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    waiting.set_read_timeout(Some(SHORT * 2)).expect("timeout");
    let mut buf = [0; 64];
    let early = waiting.read(&mut buf);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "answered beyond the cap: {early:?}"
    );
    // A slot frees: the waiting client is served.
    drop(first);
    waiting.set_read_timeout(Some(BOUND)).expect("timeout");
    let mut response = Vec::new();
    let _ = waiting.read_to_end(&mut response);
    assert_eq!(status_of(&String::from_utf8_lossy(&response)), 404);
}

#[test]
fn zero_limits_are_refused() {
    let check = |builder: qcapi_emulator::EmulatorBuilder| {
        let err = builder.start().expect_err("a zero limit");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    };
    check(Emulator::builder().header_read_timeout(Duration::ZERO));
    check(Emulator::builder().idle_timeout(Duration::ZERO));
    check(Emulator::builder().max_connections(0));
}

#[test]
fn an_oversized_content_length_gets_413_before_100_continue() {
    let emulator = Emulator::start().expect("start");
    let check = |path: &str| {
        let mut stream = connect(emulator.addr());
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\
             Expect: 100-continue\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("write");
        let mut first = [0; 12];
        stream.read_exact(&mut first).expect("an answer");
        assert_eq!(&first, b"HTTP/1.1 413", "{path}");
    };
    check("/v2/index.php");
    check("/_emulator/faults");
}

/// Sends a POST with a chunked body of `total` bytes (in 64 KiB chunks, no end
/// chunk if the server stops reading); returns the response text.
fn chunked_post(addr: SocketAddr, path: &str, body: Vec<u8>) -> String {
    let mut stream = connect(addr);
    let mut writer = stream.try_clone().expect("clone");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
    );
    let sender = thread::spawn(move || {
        writer.write_all(head.as_bytes())?;
        for chunk in body.chunks(64 * 1024) {
            writer.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
            writer.write_all(chunk)?;
            writer.write_all(b"\r\n")?;
        }
        writer.write_all(b"0\r\n\r\n")
    });
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    // The server may stop reading (and close) before the body is sent.
    let _ = sender.join();
    String::from_utf8_lossy(&response).into_owned()
}

#[test]
fn a_chunked_body_past_the_cap_gets_413() {
    let emulator = Emulator::start().expect("start");
    let addr = emulator.addr();
    let oversized = vec![b'a'; MAX_BODY_BYTES + 64 * 1024];
    for path in ["/v2/index.php", "/_emulator/faults"] {
        let response = chunked_post(addr, path, oversized.clone());
        assert_eq!(status_of(&response), 413, "{path}: {response:.200}");
    }
    // A chunked body within the cap is read as usual.
    let config = config(
        &emulator,
        &Account::demo_a(),
        HttpMethod::Post,
        SignatureMethod::HmacSha256,
    );
    let params =
        request_params(&describe(), &config, SignContext::new(now(), nonce())).expect("params");
    let request = sign_params(params, &config, HttpMethod::Post);
    let response = chunked_post(addr, "/v2/index.php", request.body().to_vec());
    assert_eq!(status_of(&response), 200, "{response}");
    assert!(response.contains("\"code\":0"), "{response}");
}

#[test]
fn only_get_and_post_run_actions() {
    let emulator = Emulator::start().expect("start");
    let account = Account::demo_a();
    let config = config(
        &emulator,
        &account,
        HttpMethod::Get,
        SignatureMethod::HmacSha256,
    );
    let signed_create = || {
        let request = build_request(
            &vpc::CreateVpc::new("hostile", "10.0.0.0/16"),
            &config,
            SignContext::new(now(), nonce()),
        )
        .expect("request");
        let url = request.url().to_owned();
        url.strip_prefix(&emulator.base_url())
            .expect("an emulator URL")
            .to_owned()
    };
    let check = |method: &str, target: &str| {
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            emulator.addr()
        );
        let (status, text) = raw_exchange(emulator.addr(), request.as_bytes());
        assert_eq!(status, 405, "{method}: {text}");
        let allow = text
            .lines()
            .find_map(|line| line.strip_prefix("allow: "))
            .unwrap_or_default();
        assert_eq!(allow, "GET, POST", "{method}: {text}");
    };
    let mut target = String::new();
    for method in ["HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        target = signed_create();
        check(method, &target);
    }
    assert_eq!(emulator.request_count("CreateVpc"), 0);
    let body = expect_ok(call(&emulator, &account, &describe()));
    assert_eq!(body["totalCount"], 0, "{body}");
    // The last one was a valid signed request: as GET it does create a VPC.
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        emulator.addr()
    );
    let (status, text) = raw_exchange(emulator.addr(), request.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(emulator.request_count("CreateVpc"), 1, "{text}");
}

#[test]
fn invalid_utf8_is_refused_by_name_before_authentication() {
    let emulator = Emulator::start().expect("start");
    let addr = emulator.addr();
    // All common parameters, with a signature that would fail.
    let common = format!(
        "Action=CreateVpc&Region=gz&SecretId={DEMO_A_SECRET_ID}&Timestamp={}&Nonce={}&Signature=wrong&cidrBlock=10.0.0.0%2F16",
        now(),
        nonce()
    );
    let check = |method: &str, extra: &[u8], expected_name: &str| {
        let mut params = format!("{common}&").into_bytes();
        params.extend_from_slice(extra);
        let mut request = match method {
            "GET" => {
                let mut head = b"GET /v2/index.php?".to_vec();
                head.extend_from_slice(&params);
                head.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                head
            }
            _ => format!(
                "POST /v2/index.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                params.len()
            )
            .into_bytes(),
        };
        if method == "POST" {
            request.extend_from_slice(&params);
        }
        let (status, text) = raw_exchange(addr, &request);
        let case = format!("{method} {}", String::from_utf8_lossy(extra));
        assert_eq!(status, 200, "{case}: {text}");
        let body: Value = text
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok())
            .unwrap_or_default();
        assert_eq!(body["code"], 4000, "{case}: {body}");
        assert_eq!(body["codeDesc"], "InvalidParameter", "{case}: {body}");
        assert_eq!(
            body["message"],
            format!("invalid parameter `{expected_name}`: not valid UTF-8 after percent-decoding"),
            "{case}"
        );
    };
    check("GET", b"vpcName=%FF", "vpcName");
    check("POST", b"vpcName=%FF", "vpcName");
    check("POST", b"vpcName=\xff", "vpcName");
    check("GET", b"vpcName=ok%C3%28", "vpcName");
    check("GET", b"%FF%FE=1", "\u{FFFD}\u{FFFD}");
    check("POST", b"a%FFb=1", "a\u{FFFD}b");
    assert_eq!(emulator.request_count("CreateVpc"), 0);
}

#[test]
fn a_missing_or_empty_region_is_named() {
    let emulator = Emulator::start().expect("start");
    let check = |method: HttpMethod, region: Option<&str>| {
        let config = config(
            &emulator,
            &Account::demo_a(),
            method,
            SignatureMethod::HmacSha256,
        );
        let mut params =
            request_params(&describe(), &config, SignContext::new(now(), nonce())).expect("params");
        match region {
            None => params.remove("Region"),
            Some(region) => params.set("Region", region),
        }
        let (status, body) = send(&sign_params(params, &config, method));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["code"], 4000, "{method} {region:?}: {body}");
        assert_eq!(
            body["message"], "invalid parameter `Region`: missing required parameter",
            "{method} {region:?}"
        );
    };
    for method in [HttpMethod::Get, HttpMethod::Post] {
        check(method, None);
        check(method, Some(""));
    }
    assert_eq!(emulator.request_count("DescribeVpcEx"), 0);
}
