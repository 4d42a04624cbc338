//! Requests on the wire without a client: sign with qcapi-core, send with a bare
//! ureq agent over loopback, or write raw bytes; what the emulator's own tests use
//! to see every status and body as the server sent it.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qcapi_core::{
    Action, Config, HttpMethod, HttpRequest, SignContext, SignatureMethod, build_request,
};
use qcapi_emulator::{Account, Emulator};
use serde_json::Value;

/// Real UNIX time in seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A fresh nonce for every request of the test binary.
pub fn nonce() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A client configuration pointing at `emulator` as `account`, region `gz`.
pub fn config(
    emulator: &Emulator,
    account: &Account,
    method: HttpMethod,
    signature: SignatureMethod,
) -> Config {
    Config::builder()
        .endpoint(emulator.base_url())
        .credentials(account.credentials())
        .region("gz")
        .http_method(method)
        .signature_method(signature)
        .build()
        .expect("a valid configuration")
}

/// An agent that reports every status as a response, never uses a proxy and
/// gives up after 10 s, so a broken server fails the test instead of hanging it.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Sends a signed request; returns the status and the body as JSON (or as a JSON string if not JSON).
pub fn send(request: &HttpRequest) -> (u16, Value) {
    let agent = agent();
    let response = match request.method() {
        HttpMethod::Get => agent.get(request.url()).call(),
        HttpMethod::Post => {
            let mut builder = agent.post(request.url());
            for (name, value) in request.headers() {
                builder = builder.header(*name, value.as_str());
            }
            builder.send(request.body())
        }
    };
    let mut response = response.expect("the emulator answers");
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Calls `action` as `account` (GET, HmacSHA256, fresh timestamp and nonce); returns the body.
pub fn call(emulator: &Emulator, account: &Account, action: &impl Action) -> Value {
    let config = config(
        emulator,
        account,
        HttpMethod::Get,
        SignatureMethod::HmacSha256,
    );
    let request =
        build_request(action, &config, SignContext::new(now(), nonce())).expect("a valid request");
    let (status, body) = send(&request);
    assert_eq!(status, 200, "{body}");
    body
}

/// Asserts a success envelope and returns it.
pub fn expect_ok(body: Value) -> Value {
    assert_eq!(body["code"], 0, "{body}");
    assert_eq!(body["codeDesc"], "Success", "{body}");
    body
}

/// Sends raw bytes and returns the status code (0 if none) and the whole response
/// text. The request should say `Connection: close`, so the server closes after
/// answering; reading gives up after 10 s.
pub fn raw_exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request).expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    (status_of(&text), text)
}

/// The status code of an HTTP response's text, 0 if it has none.
pub fn status_of(text: &str) -> u16 {
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Calls an unsigned admin endpoint (`/_emulator/...`) with `method` and an optional
/// JSON body; returns the status and the body as JSON (or as a JSON string if not JSON).
pub fn admin(
    emulator: &Emulator,
    method: &str,
    path_and_query: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let url = format!("{}{path_and_query}", emulator.base_url());
    let agent = agent();
    let response = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        ("DELETE", _) => agent.delete(&url).call(),
        (_, Some(body)) => agent.post(&url).content_type("application/json").send(body),
        (_, None) => agent.post(&url).send_empty(),
    };
    let mut response = response.expect("the emulator answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}
