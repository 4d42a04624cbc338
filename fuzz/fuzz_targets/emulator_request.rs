//! The emulator's request parsing and signature verification, over a real in-process
//! `Emulator` and raw TCP (the decoding and authentication functions are private to
//! the emulator). `[mode, ...]`:
//!
//! - mode % 3 == 0: the rest is sent as raw bytes (HTTP parsing, query and form
//!   decoding); any answer or none is fine, a panic anywhere aborts the process;
//! - mode % 3 == 1: `[action index, flags, form-encoded pairs...]` becomes a request
//!   signed correctly (common parameters first, fuzzed ones after): the emulator
//!   must answer 200 with a JSON envelope and never 4100/4104/4500 (it reaches
//!   validation and the state machine);
//! - mode % 3 == 2: the same with a wrong signature, which must get 4100.
//!
//! Flags: bit 0 POST, bit 1 HmacSHA1, bit 2 account B, bit 3 region `sh`.

#![no_main]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use qcapi_core::vpc::catalog::ACTIONS;
use qcapi_core::{SignatureMethod, sign};
use qcapi_emulator::{Account, Emulator};

/// A fresh emulator every this many inputs, so its state stays small.
const INPUTS_PER_EMULATOR: u64 = 50_000;
const TIMEOUT: Duration = Duration::from_secs(5);

static EMULATOR: Mutex<Option<Emulator>> = Mutex::new(None);
static INPUTS: AtomicU64 = AtomicU64::new(0);
static NONCE: AtomicU64 = AtomicU64::new(1);

fn emulator_addr() -> SocketAddr {
    let mut slot = EMULATOR.lock().unwrap_or_else(|p| p.into_inner());
    if INPUTS.fetch_add(1, Ordering::Relaxed) % INPUTS_PER_EMULATOR == 0 {
        // Drop the old one first: it stops and joins its thread.
        *slot = None;
    }
    slot.get_or_insert_with(|| Emulator::start().expect("emulator"))
        .addr()
}

/// Sends `request` and reads whatever comes back until the server closes. With
/// `half_close`, our side shuts down writing first, so raw input that is not a
/// complete request ends at once (hyper then drops the connection without an answer,
/// which is why complete requests say `Connection: close` instead).
fn exchange(addr: SocketAddr, request: &[u8], half_close: bool) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(request)?;
    if half_close {
        stream.shutdown(std::net::Shutdown::Write)?;
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    Ok(response)
}

fn signed(addr: SocketAddr, data: &[u8], valid: bool) {
    let [index, flags, rest @ ..] = data else {
        return;
    };
    let spec = ACTIONS[usize::from(*index) % ACTIONS.len()];
    let account = if flags & 4 == 0 {
        Account::demo_a()
    } else {
        Account::demo_b()
    };
    let method = if flags & 1 == 0 { "GET" } else { "POST" };
    let signature_method = if flags & 2 == 0 {
        SignatureMethod::HmacSha256
    } else {
        SignatureMethod::HmacSha1
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let nonce = NONCE.fetch_add(1, Ordering::Relaxed);
    let mut params: Vec<(String, String)> = vec![
        ("Action".into(), spec.name.into()),
        ("SecretId".into(), account.secret_id.clone()),
        ("Timestamp".into(), now.to_string()),
        ("Nonce".into(), nonce.to_string()),
        ("SignatureMethod".into(), signature_method.as_str().into()),
        ("Region".into(), if flags & 8 == 0 { "gz" } else { "sh" }.into()),
    ];
    params.extend(form_urlencoded::parse(rest).into_owned());
    let host = addr.to_string();
    let sts = sign::string_to_sign(
        method,
        &host,
        "/v2/index.php",
        params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    );
    let mut signature = sign::sign(&account.secret_key, signature_method, &sts);
    if !valid {
        signature.insert(0, 'x');
    }
    // Ours comes before any fuzzed `Signature`, so it is the one the emulator reads.
    params.insert(6, ("Signature".into(), signature));
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let request = if method == "GET" {
        format!("GET /v2/index.php?{encoded} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    } else {
        format!(
            "POST /v2/index.php HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{encoded}",
            encoded.len()
        )
    };
    let response = exchange(addr, request.as_bytes(), false).expect("the emulator answers");
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let json: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    let code = json["code"].as_i64().expect("a numeric code");
    if valid {
        assert!(
            !matches!(code, 4100 | 4104 | 4500),
            "a correctly signed {method} {} was refused: {body}",
            spec.name
        );
    } else {
        assert_eq!(code, 4100, "a wrong signature was not refused: {body}");
    }
}

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else {
        return;
    };
    let addr = emulator_addr();
    match mode % 3 {
        0 => {
            let _ = exchange(addr, rest, true);
        }
        m => signed(addr, rest, m == 1),
    }
});
