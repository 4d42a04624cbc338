//! HTTP side: routing, parameter extraction, fault injection, authentication,
//! replay protection, dispatch to the state machine, and the admin endpoints.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{self, Extension, Request};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use qcapi_core::spec::InvalidParam;
use qcapi_core::{Params, SignatureMethod, sign};
use serde_json::{Value, json};

use crate::Account;
use crate::clock::{format_datetime, real_now};
use crate::connections::ConnectionHandle;
use crate::faults::{Fault, FaultKind, FaultSet};
use crate::render;
use crate::state::{self, ApiFailure, Caller, State};

/// The path every legacy module serves.
pub(crate) const API_PATH: &str = "/v2/index.php";
/// The admin endpoint that moves emulator time forward.
pub(crate) const CLOCK_ADVANCE_PATH: &str = "/_emulator/clock/advance";
/// The admin endpoint that lists (GET), adds (POST) and clears (DELETE) fault rules.
pub(crate) const FAULTS_PATH: &str = "/_emulator/faults";

/// How far a request's Timestamp may be from the real clock, in seconds.
const FRESHNESS_SECS: i64 = 300;
/// How long a used nonce is remembered. A request stamped up to 300 s in the
/// future stays fresh for 600 s after it arrived, so it must stay blocked that long.
const NONCE_MEMORY_SECS: i64 = 2 * FRESHNESS_SECS;
/// The most a single clock advance may move (100 years): keeps arithmetic far from overflow.
const MAX_ADVANCE_SECS: u64 = 100 * 365 * 24 * 3600;
/// The methods that run actions; anything else gets 405 with this `Allow`.
const API_METHODS: &str = "GET, POST";

/// The common parameters every request needs, checked in this order; an empty
/// `Region` counts as missing (there is no default region).
const REQUIRED_COMMON: [&str; 6] = [
    "Action",
    "Region",
    "SecretId",
    "Timestamp",
    "Nonce",
    "Signature",
];

/// Nonces of one SecretId, with when to forget them.
#[derive(Debug, Default)]
struct NonceLog {
    seen: HashSet<u64>,
    /// In arrival order, so forgetting pops from the front (amortized O(1)).
    forget_at: VecDeque<(i64, u64)>,
}

impl NonceLog {
    /// Records `nonce` at real time `now`; `false` if it was used recently.
    /// Memory is bounded by the requests accepted within the last 600 s.
    fn record(&mut self, nonce: u64, now: i64) -> bool {
        while let Some(&(when, old)) = self.forget_at.front() {
            if when > now {
                break;
            }
            self.forget_at.pop_front();
            self.seen.remove(&old);
        }
        if !self.seen.insert(nonce) {
            return false;
        }
        self.forget_at
            .push_back((now.saturating_add(NONCE_MEMORY_SECS), nonce));
        true
    }
}

/// Mutable server data, behind one lock (requests are short and never await while holding it).
#[derive(Debug, Default)]
struct Inner {
    state: State,
    nonces: HashMap<String, NonceLog>,
    executed: HashMap<String, u64>,
    /// Emulator time minus real time, in seconds.
    clock_offset: i64,
}

/// What every request handler shares: accounts, rendering mode, the
/// lock-protected data and the fault rules (behind a lock of their own).
#[derive(Debug)]
pub(crate) struct Shared {
    accounts: HashMap<String, Account>,
    string_quirks: bool,
    inner: Mutex<Inner>,
    faults: Mutex<FaultSet>,
}

/// One API request, decoded: method, Host header, path and all parameters.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) host: &'a str,
    pub(crate) path: &'a str,
    pub(crate) params: Params,
}

impl Shared {
    pub(crate) fn new(accounts: &[Account], string_quirks: bool) -> Self {
        Self {
            accounts: accounts
                .iter()
                .map(|a| (a.secret_id.clone(), a.clone()))
                .collect(),
            string_quirks,
            inner: Mutex::new(Inner::default()),
            faults: Mutex::new(FaultSet::default()),
        }
    }

    fn faults(&self) -> MutexGuard<'_, FaultSet> {
        // As for `lock`: nothing panics while holding it.
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a fault rule after the active ones.
    pub(crate) fn inject(&self, fault: Fault) {
        self.faults().push(fault);
    }

    /// Removes every fault rule; returns how many were active.
    pub(crate) fn clear_faults(&self) -> usize {
        self.faults().clear()
    }

    /// The fault for a request with this `Action`, spending its rule's budget.
    fn pick_fault(&self, action: Option<&str>) -> Option<FaultKind> {
        self.faults().pick(action)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock; recover the data if it ever did.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves emulator time forward; returns the new offset from real time.
    pub(crate) fn advance_clock(&self, seconds: u64) -> Result<i64, String> {
        if seconds > MAX_ADVANCE_SECS {
            return Err(format!("at most {MAX_ADVANCE_SECS} seconds per advance"));
        }
        let mut inner = self.lock();
        // Within MAX_ADVANCE_SECS, so the cast is exact.
        let offset = inner
            .clock_offset
            .checked_add(seconds as i64)
            .filter(|o| o.checked_add(real_now()).is_some())
            .ok_or("the emulator clock cannot move that far")?;
        inner.clock_offset = offset;
        Ok(offset)
    }

    /// Emulator time: real time plus every advance.
    pub(crate) fn emulator_now(&self) -> i64 {
        real_now().saturating_add(self.lock().clock_offset)
    }

    /// How many requests for `action` passed authentication and validation.
    pub(crate) fn request_count(&self, action: &str) -> u64 {
        self.lock().executed.get(action).copied().unwrap_or(0)
    }

    /// Runs a request through authentication, validation and the state machine,
    /// and renders the JSON body (always an envelope).
    pub(crate) fn process(&self, request: &ApiRequest<'_>) -> String {
        match self.execute(request) {
            Ok(fields) => render::success(fields, self.string_quirks),
            Err(failure) => render::failure(&failure, self.string_quirks),
        }
    }

    fn execute(&self, request: &ApiRequest<'_>) -> Result<state::Fields, ApiFailure> {
        let params = &request.params;
        for name in REQUIRED_COMMON {
            let missing = match params.get(name) {
                None => true,
                Some(value) => name == "Region" && value.is_empty(),
            };
            if missing {
                return Err(invalid_param(name, "missing required parameter"));
            }
        }
        let get = |name: &str| params.get(name).unwrap_or_default();
        let secret_id = get("SecretId");
        let account = self.accounts.get(secret_id).ok_or_else(|| {
            ApiFailure::new(
                4104,
                "SecretIdNotFound",
                format!("SecretId `{secret_id}` does not exist"),
            )
        })?;
        let method = SignatureMethod::from_param(params.get("SignatureMethod"));
        let string_to_sign =
            sign::string_to_sign(request.method, request.host, request.path, params.iter());
        let expected = sign::sign(&account.secret_key, method, &string_to_sign);
        if !constant_time_eq(expected.as_bytes(), get("Signature").as_bytes()) {
            return Err(ApiFailure::new(
                4100,
                "AuthFailure",
                format!(
                    "signature mismatch ({method} over {} {}{})",
                    request.method, request.host, request.path
                ),
            ));
        }
        let timestamp: i64 = get("Timestamp")
            .parse()
            .map_err(|_| invalid_param("Timestamp", "expected UNIX time in seconds"))?;
        let now = real_now();
        if timestamp.abs_diff(now) > FRESHNESS_SECS.unsigned_abs() {
            return Err(ApiFailure::new(
                4500,
                "ReplayAttack",
                format!(
                    "Timestamp {timestamp} is more than {FRESHNESS_SECS} s from the server time {now}"
                ),
            ));
        }
        let nonce = get("Nonce")
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid_param("Nonce", "expected a positive integer"))?;

        let mut inner = self.lock();
        if !inner
            .nonces
            .entry(secret_id.to_owned())
            .or_default()
            .record(nonce, now)
        {
            return Err(ApiFailure::new(
                4500,
                "ReplayAttack",
                format!("Nonce {nonce} was already used"),
            ));
        }
        let action = get("Action");
        let spec = qcapi_core::vpc::catalog::find(action).ok_or_else(|| {
            ApiFailure::new(4000, "InvalidAction", format!("unknown Action `{action}`"))
        })?;
        spec.validate(params)
            .map_err(|e| ApiFailure::invalid_parameter(e.to_string()))?;
        *inner.executed.entry(spec.name.to_owned()).or_default() += 1;
        let caller = Caller {
            uin: account.uin.clone(),
            region: get("Region").to_owned(),
        };
        let emulator_now = now.saturating_add(inner.clock_offset);
        state::handle(&mut inner.state, &caller, spec, params, emulator_now)
    }
}

fn invalid_param(name: &str, reason: &str) -> ApiFailure {
    let param = InvalidParam {
        parameter: name.to_owned(),
        reason: reason.to_owned(),
    };
    ApiFailure::invalid_parameter(param.to_string())
}

/// Compares without an early exit, so timing does not reveal how much of a signature matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decodes `a=1&b=%20` like `application/x-www-form-urlencoded` (`+` is a space,
/// a malformed `%` escape stays as it is), refusing a name or value that is not
/// UTF-8 once decoded: replacing its bytes would verify a signature over text
/// the client never sent.
fn decode_pairs(bytes: &[u8], into: &mut Params) -> Result<(), InvalidParam> {
    let not_utf8 = |name: &str| InvalidParam {
        parameter: name.to_owned(),
        reason: "not valid UTF-8 after percent-decoding".to_owned(),
    };
    for pair in bytes.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = String::from_utf8(decode_component(name))
            .map_err(|e| not_utf8(&String::from_utf8_lossy(e.as_bytes())))?;
        let value = String::from_utf8(decode_component(value)).map_err(|_| not_utf8(&name))?;
        into.push(name, value);
    }
    Ok(())
}

/// One name or value: `+` to a space, then `%XX` to its byte.
fn decode_component(raw: &[u8]) -> Vec<u8> {
    let spaced: Cow<'_, [u8]> = if raw.contains(&b'+') {
        raw.iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect()
    } else {
        Cow::Borrowed(raw)
    };
    percent_encoding::percent_decode(&spaced).collect()
}

/// The routes: the API (GET and POST; other methods get 405 from the handler, so
/// HEAD does not fall through to GET), the admin clock and faults, 404 elsewhere.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(API_PATH, any(api))
        .route(CLOCK_ADVANCE_PATH, post(advance_clock))
        .route(
            FAULTS_PATH,
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(shared)
}

async fn api(
    extract::State(shared): extract::State<Arc<Shared>>,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let method = match parts.method {
        Method::GET => "GET",
        Method::POST => "POST",
        _ => {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, API_METHODS)],
                "only GET and POST run actions\n",
            )
                .into_response();
        }
    };
    // Read (bounded) even for GET, where it is ignored, so the connection stays usable.
    let body = match connection.read_body(body).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let uri = &parts.uri;
    let mut params = Params::new();
    let mut decoded = decode_pairs(uri.query().unwrap_or_default().as_bytes(), &mut params);
    // The body is read as a form whatever its Content-Type: anything else
    // (e.g. multipart) simply yields parameters that fail verification.
    if method == "POST" && decoded.is_ok() {
        decoded = decode_pairs(&body, &mut params);
    }
    // Before faults and authentication: there is no text to verify a signature over.
    if let Err(invalid) = decoded {
        let failure = ApiFailure::invalid_parameter(invalid.to_string());
        return json_response(
            StatusCode::OK,
            render::failure(&failure, shared.string_quirks),
        );
    }
    // Faults see the decoded Action but come before authentication, so a
    // faulted request (Latency aside) changes nothing and is not counted.
    match shared.pick_fault(params.get("Action")) {
        None => {}
        Some(FaultKind::Latency(delay)) => tokio::time::sleep(delay).await,
        Some(FaultKind::HttpStatus(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = format!("emulator fault: HTTP {status}\n");
            return (status, [(header::CONTENT_TYPE, "text/plain")], body).into_response();
        }
        Some(FaultKind::Throttle) => {
            let failure = ApiFailure::new(
                4400,
                "RequestLimitExceeded",
                "request rate limit exceeded (emulator fault injection)",
            );
            return json_response(
                StatusCode::OK,
                render::failure(&failure, shared.string_quirks),
            );
        }
        Some(FaultKind::CloseConnection) => {
            connection.abort();
            // Never written: the aborted connection fails the write and hyper drops it.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    // The client signed the Host header's value; fall back to an absolute URI's authority.
    let host = match parts.headers.get(header::HOST) {
        Some(value) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        None => uri.authority().map(|a| a.to_string()).unwrap_or_default(),
    };
    let request = ApiRequest {
        method,
        host: &host,
        path: uri.path(),
        params,
    };
    json_response(StatusCode::OK, shared.process(&request))
}

async fn advance_clock(extract::State(shared): extract::State<Arc<Shared>>, uri: Uri) -> Response {
    let mut query = Params::new();
    let decoded = decode_pairs(uri.query().unwrap_or_default().as_bytes(), &mut query);
    let seconds = decoded.ok().and_then(|()| query.get("seconds"));
    let Some(parsed) = seconds.and_then(|s| s.parse::<u64>().ok()) else {
        let error = json!({"error": "expected ?seconds=N with N a non-negative integer"});
        return json_response(StatusCode::BAD_REQUEST, error.to_string());
    };
    match shared.advance_clock(parsed) {
        Ok(offset) => {
            let now = shared.emulator_now();
            let body =
                json!({"offsetSeconds": offset, "now": now, "nowText": format_datetime(now)});
            json_response(StatusCode::OK, body.to_string())
        }
        Err(reason) => json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": reason}).to_string(),
        ),
    }
}

/// `GET /_emulator/faults`: the active rules with their remaining budgets.
async fn list_faults(extract::State(shared): extract::State<Arc<Shared>>) -> Response {
    let body = json!({"faults": shared.faults().to_json()});
    json_response(StatusCode::OK, body.to_string())
}

/// `POST /_emulator/faults` with a JSON rule, e.g. `{"kind":"throttle","times":3}`.
async fn add_fault(
    extract::State(shared): extract::State<Arc<Shared>>,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Response {
    let body = match connection.read_body(request.into_body()).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let fault = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("the body must be a JSON object: {e}"))
        .and_then(|value| Fault::from_json(&value));
    match fault {
        Ok(fault) => {
            let added = Value::Object(fault.to_json());
            let active = {
                let mut faults = shared.faults();
                faults.push(fault);
                faults.len()
            };
            let body = json!({"added": added, "active": active});
            json_response(StatusCode::OK, body.to_string())
        }
        Err(reason) => json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": reason}).to_string(),
        ),
    }
}

/// `DELETE /_emulator/faults`: removes every rule.
async fn clear_faults(extract::State(shared): extract::State<Arc<Shared>>) -> Response {
    let cleared = shared.clear_faults();
    json_response(StatusCode::OK, json!({"cleared": cleared}).to_string())
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "127.0.0.1:9000";

    fn shared() -> Shared {
        Shared::new(&[Account::demo_a(), Account::demo_b()], false)
    }

    /// A request signed like a client would, with `edit` applied before signing.
    fn signed(method: &str, nonce: u64, edit: impl FnOnce(&mut Params)) -> Params {
        let account = Account::demo_a();
        let mut params = Params::new();
        params.push("Action", "DescribeVpcEx");
        params.push("Region", "gz");
        params.push("SecretId", account.secret_id.as_str());
        params.push("Timestamp", real_now().to_string());
        params.push("Nonce", nonce.to_string());
        params.push("SignatureMethod", "HmacSHA256");
        edit(&mut params);
        let method_param = SignatureMethod::from_param(params.get("SignatureMethod"));
        let text = sign::string_to_sign(method, HOST, API_PATH, params.iter());
        params.push(
            "Signature",
            sign::sign(&account.secret_key, method_param, &text),
        );
        params
    }

    fn run(shared: &Shared, params: Params) -> serde_json::Value {
        let request = ApiRequest {
            method: "GET",
            host: HOST,
            path: API_PATH,
            params,
        };
        serde_json::from_str(&shared.process(&request)).unwrap_or_default()
    }

    fn check(params: Params, code: i64, code_desc: &str) {
        let body = run(&shared(), params);
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["codeDesc"], code_desc, "{body}");
    }

    #[test]
    fn authentication_rules() {
        check(signed("GET", 1, |_| {}), 0, "Success");
        check(
            signed("GET", 1, |p| p.set("SignatureMethod", "HmacSHA1")),
            0,
            "Success",
        );
        check(
            signed("GET", 1, |p| p.remove("SignatureMethod")),
            0,
            "Success",
        );
        // Signed as POST, received as GET.
        check(signed("POST", 1, |_| {}), 4100, "AuthFailure");
        check(
            signed("GET", 1, |p| p.set("SecretId", "AKIDnobody")),
            4104,
            "SecretIdNotFound",
        );
        check(
            signed("GET", 1, |p| p.set("Timestamp", "soon")),
            4000,
            "InvalidParameter",
        );
        check(
            signed("GET", 1, |p| {
                p.set("Timestamp", (real_now() - 301).to_string())
            }),
            4500,
            "ReplayAttack",
        );
        check(
            signed("GET", 1, |p| {
                p.set("Timestamp", (real_now() + 290).to_string())
            }),
            0,
            "Success",
        );
        check(
            signed("GET", 1, |p| p.set("Nonce", "0")),
            4000,
            "InvalidParameter",
        );
        check(
            signed("GET", 1, |p| p.set("Nonce", "-5")),
            4000,
            "InvalidParameter",
        );
        check(
            signed("GET", 1, |p| p.set("Action", "Nope")),
            4000,
            "InvalidAction",
        );
        check(
            signed("GET", 1, |p| p.set("limit", "x")),
            4000,
            "InvalidParameter",
        );
        for name in REQUIRED_COMMON {
            let mut params = signed("GET", 1, |_| {});
            params.remove(name);
            let body = run(&shared(), params);
            assert_eq!(body["code"], 4000, "{body}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains(&format!("`{name}`")), "{message}");
        }
    }

    #[test]
    fn nonces_are_single_use_per_secret_id() {
        let shared = shared();
        let first = signed("GET", 42, |_| {});
        assert_eq!(run(&shared, first.clone())["code"], 0);
        assert_eq!(run(&shared, first)["code"], 4500);
        assert_eq!(run(&shared, signed("GET", 43, |_| {}))["code"], 0);
        // A bad signature does not burn the nonce.
        let mut forged = signed("GET", 44, |_| {});
        forged.set("Signature", "AAAA");
        assert_eq!(run(&shared, forged)["code"], 4100);
        assert_eq!(run(&shared, signed("GET", 44, |_| {}))["code"], 0);
        assert_eq!(shared.request_count("DescribeVpcEx"), 3);
    }

    #[test]
    fn nonce_log_forgets_after_its_window() {
        let mut log = NonceLog::default();
        assert!(log.record(7, 1000));
        assert!(!log.record(7, 1000 + NONCE_MEMORY_SECS - 1));
        assert!(log.record(8, 1000 + NONCE_MEMORY_SECS - 1));
        assert!(log.record(7, 1000 + NONCE_MEMORY_SECS));
        assert_eq!(log.seen.len(), 2);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn clock_advance_limits() {
        let shared = shared();
        assert_eq!(shared.advance_clock(60), Ok(60));
        assert_eq!(shared.advance_clock(40), Ok(100));
        assert!(shared.advance_clock(MAX_ADVANCE_SECS + 1).is_err());
        assert!(shared.emulator_now() >= real_now() + 100);
    }

    #[test]
    fn decoding() {
        fn check(raw: &[u8], expected: Result<&[(&str, &str)], &str>) {
            let mut params = Params::new();
            let got = decode_pairs(raw, &mut params).map(|()| params.iter().collect::<Vec<_>>());
            let expected = expected.map(<[_]>::to_vec).map_err(str::to_owned);
            assert_eq!(
                got.map_err(|e| e.parameter),
                expected,
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        check(b"a=1&b=x+y", Ok(&[("a", "1"), ("b", "x y")]));
        check(b"sig=ab%2Fc%3D", Ok(&[("sig", "ab/c=")]));
        check(b"plus=%2B+", Ok(&[("plus", "+ ")]));
        check(b"bad=%ZZ&pct=%", Ok(&[("bad", "%ZZ"), ("pct", "%")]));
        check(b"name=%E4%B8%AD", Ok(&[("name", "\u{4E2D}")]));
        check(b"a=1=2&&b", Ok(&[("a", "1=2"), ("b", "")]));
        check(b"", Ok(&[]));
        check(b"novalue", Ok(&[("novalue", "")]));
        // Invalid UTF-8 names the parameter (lossily when the name itself is invalid).
        check(b"ok=1&vpcName=%FF", Err("vpcName"));
        check(b"vpcName=\xff", Err("vpcName"));
        check(b"u=%C3%28", Err("u"));
        check(b"%FF%FE=1", Err("\u{FFFD}\u{FFFD}"));
        check(b"\xff=1", Err("\u{FFFD}"));
        check(b"a%FFb=", Err("a\u{FFFD}b"));
    }

    #[test]
    fn an_empty_region_is_missing() {
        let body = run(&shared(), signed("GET", 1, |p| p.set("Region", "")));
        assert_eq!(body["code"], 4000, "{body}");
        assert_eq!(
            body["message"],
            "invalid parameter `Region`: missing required parameter"
        );
    }
}
