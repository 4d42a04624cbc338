//! HTTP side: routing, parameter extraction, fault injection, authentication
//! (permanent and temporary keys), replay protection, dispatch to the state
//! machine, STS (`POST /`), the CVM metadata paths, and the admin endpoints.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Extension, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use qcapi_core::spec::InvalidParam;
use qcapi_core::{Params, SignatureMethod, sign};
use serde_json::{Value, json};

use crate::clock::{format_datetime, real_now};
use crate::connections::ConnectionHandle;
use crate::faults::{Fault, FaultKind, FaultSet};
use crate::persist::StateFile;
use crate::scenarios::{AnswerQueue, CannedAnswer, TaskRule};
use crate::state::{self, Caller, Failure};
use crate::sts::{self, IssuedStore, Provider, Role};
use crate::{Account, METADATA_FAULT_ACTION, invalid_input, render};

/// The path every legacy module serves.
pub(crate) const API_PATH: &str = "/v2/index.php";
/// The CVM metadata path listing the bound role, and the prefix of its credentials.
pub(crate) const METADATA_ROLES_PATH: &str = "/latest/meta-data/cam/security-credentials/";
/// The largest `--clock-offset` / [`crate::EmulatorBuilder::clock_offset`] (100 years either way).
pub(crate) const MAX_CLOCK_OFFSET_SECS: i64 = 100 * 365 * 24 * 3600;

/// How far a request's Timestamp may be from the real clock, in seconds.
const FRESHNESS_SECS: i64 = 300;
/// How long a used nonce is remembered. A request stamped up to 300 s in the
/// future stays fresh for 600 s after it arrived, so it must stay blocked that long.
const NONCE_MEMORY_SECS: i64 = 2 * FRESHNESS_SECS;
/// The most a single clock advance may move (100 years): keeps arithmetic far from overflow.
const MAX_ADVANCE_SECS: u64 = 100 * 365 * 24 * 3600;
/// The methods that run actions; anything else gets 405 with this `Allow`.
const API_METHODS: &str = "GET, POST";
/// The message of an injected throttle, on every endpoint.
const THROTTLED: &str = "request rate limit exceeded (emulator fault injection)";

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

/// Nonce logs are swept for empty ones once there are this many (and then at
/// twice the survivors): temporary SecretIds come and go, each with its own log.
const NONCE_SWEEP_MIN: usize = 1024;

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
        self.forget(now);
        if !self.seen.insert(nonce) {
            return false;
        }
        self.forget_at
            .push_back((now.saturating_add(NONCE_MEMORY_SECS), nonce));
        true
    }

    /// Drops the nonces whose memory ended by `now`.
    fn forget(&mut self, now: i64) {
        while let Some(&(when, old)) = self.forget_at.front() {
            if when > now {
                break;
            }
            self.forget_at.pop_front();
            self.seen.remove(&old);
        }
    }
}

/// What [`crate::EmulatorBuilder`] and the CLI configure beyond accounts and rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Service clock minus real clock, in seconds: the Timestamp window is checked against it.
    pub(crate) clock_offset: i64,
    /// Roles that may be assumed (the instance role is added to them).
    pub(crate) roles: Vec<Role>,
    /// The role the metadata endpoint hands out, if any.
    pub(crate) instance_role: Option<Role>,
    pub(crate) providers: Vec<Provider>,
    /// Lifetime of metadata credentials, in seconds (1..=43200).
    pub(crate) credential_lifetime: u64,
    /// How many requests the journal keeps.
    pub(crate) journal_capacity: usize,
    /// Where the state is kept across restarts, if anywhere.
    pub(crate) state_file: Option<std::path::PathBuf>,
    /// Whether each account and region gets a default VPC on its first request.
    pub(crate) default_vpc: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            journal_capacity: crate::journal::DEFAULT_JOURNAL_CAPACITY,
            state_file: None,
            default_vpc: false,
            clock_offset: 0,
            roles: Vec::new(),
            instance_role: None,
            providers: Vec::new(),
            credential_lifetime: sts::DEFAULT_DURATION_SECS,
        }
    }
}

impl Settings {
    /// Refuses what would make the emulator misbehave later, with a message for the user.
    pub(crate) fn check(&self) -> std::io::Result<()> {
        if self.clock_offset.abs() > MAX_CLOCK_OFFSET_SECS {
            return Err(invalid_input(format!(
                "the clock offset must be within {MAX_CLOCK_OFFSET_SECS} seconds either way"
            )));
        }
        let max = sts::MAX_DURATION_SECS;
        if !(1..=max).contains(&self.credential_lifetime) {
            let message = format!("the credential lifetime must be 1 to {max} seconds");
            return Err(invalid_input(message));
        }
        for role in self.roles.iter().chain(&self.instance_role) {
            sts::check_role_name(&role.name).map_err(invalid_input)?;
        }
        for (i, p) in self.providers.iter().enumerate() {
            if p.id.is_empty() || p.token.is_empty() {
                return Err(invalid_input(
                    "a web identity provider needs a non-empty id and token",
                ));
            }
            if self.providers[..i].iter().any(|q| q.id == p.id) {
                return Err(invalid_input(format!("provider `{}` is given twice", p.id)));
            }
        }
        Ok(())
    }
}

/// Why a signed request (legacy or STS AssumeRole) was refused, for either
/// envelope: its kind's codes and the message both envelopes show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthError {
    codes: AuthCodes,
    message: String,
}

/// A kind of refusal: the legacy envelope's code and name, and STS's (API 3.0) code.
type AuthCodes = (i64, &'static str, &'static str);

const UNKNOWN_SECRET_ID: AuthCodes = (4104, "SecretIdNotFound", "AuthFailure.SecretIdNotFound");
const BAD_SIGNATURE: AuthCodes = (4100, "AuthFailure", "AuthFailure.SignatureFailure");
/// A temporary key with a missing or wrong Token, or expired.
const BAD_TOKEN: AuthCodes = (4105, "InvalidToken", "AuthFailure.TokenFailure");
/// A Timestamp or Nonce that is not a number.
const BAD_FORMAT: AuthCodes = (4000, "InvalidParameter", "InvalidParameterValue");
/// A Timestamp outside the window.
const STALE: AuthCodes = (4500, "ReplayAttack", "AuthFailure.SignatureExpire");
const REPLAYED: AuthCodes = (4500, "ReplayAttack", "InvalidParameterValue");

impl AuthError {
    fn new(codes: AuthCodes, message: impl Into<String>) -> Self {
        let message = message.into();
        Self { codes, message }
    }

    /// The legacy envelope's code, name and message.
    fn legacy(&self) -> Failure {
        Failure::new(self.codes.0, self.codes.1, self.message.clone())
    }

    /// The API 3.0 error code and message, for STS.
    fn sts(&self) -> (&'static str, String) {
        (self.codes.2, self.message.clone())
    }
}

/// The message of a stale Timestamp. It ends with `Timestamp = <server time>`
/// so a client can read the service's clock from it and correct its own skew.
fn stale_message(timestamp: i64, now: i64) -> String {
    format!(
        "Timestamp {timestamp} is more than {FRESHNESS_SECS} s from the server's time; \
         the server's time is {}, Timestamp = {now}",
        format_datetime(now)
    )
}

/// Mutable server data, behind one lock (requests are short and never await while holding it).
#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub(crate) state: state::State,
    nonces: HashMap<String, NonceLog>,
    /// Sweep the nonce logs when there are more than this many.
    nonce_sweep_at: usize,
    /// How many requests of each action passed authentication and validation.
    pub(crate) executed: HashMap<&'static str, u64>,
    /// Emulator time minus the service clock (real time plus the configured
    /// offset), in seconds: the sum of every advance.
    clock_offset: i64,
    /// Roles that may be assumed.
    roles: BTreeSet<Role>,
    instance_role: Option<Role>,
    pub(crate) issued: IssuedStore,
    pub(crate) journal: crate::journal::Journal,
    /// Canned answers waiting for their calls (a scenario of the tests).
    pub(crate) answers: AnswerQueue,
    /// The state file, when the state outlives the process.
    state_file: Option<StateFile>,
}

impl Inner {
    /// Writes the state file, if there is one and the state changed.
    fn persist(&mut self) -> std::io::Result<()> {
        match &mut self.state_file {
            Some(file) => file.save(&self.state, self.clock_offset),
            None => Ok(()),
        }
    }

    /// [`persist`](Self::persist) after an admin change: a failure is reported on
    /// stderr, as the admin endpoints have no error channel for it.
    fn persist_or_report(&mut self) {
        if let Err(e) = self.persist() {
            eprintln!("qcapi-emulator: cannot write the state file: {e}");
        }
    }

    /// Records `nonce` for `secret_id` at service time `now`; `false` if it was
    /// used recently.
    fn record_nonce(&mut self, secret_id: &str, nonce: u64, now: i64) -> bool {
        let fresh = self
            .nonces
            .entry(secret_id.to_owned())
            .or_default()
            .record(nonce, now);
        if self.nonces.len() > self.nonce_sweep_at.max(NONCE_SWEEP_MIN) {
            // Logs of keys unused for 600 s are empty: drop them, so the map is
            // bounded by the keys used recently, not every temporary key ever issued.
            self.nonces.retain(|_, log| {
                log.forget(now);
                !log.seen.is_empty()
            });
            self.nonce_sweep_at = self.nonces.len().saturating_mul(2);
        }
        fresh
    }
}

/// What every request handler shares: accounts, rendering mode, the
/// lock-protected data and the fault rules (behind a lock of their own).
#[derive(Debug)]
pub(crate) struct Shared {
    accounts: HashMap<String, Account>,
    string_quirks: bool,
    /// Service clock minus real clock (fixed at start).
    clock_skew: i64,
    providers: Vec<Provider>,
    credential_lifetime: u64,
    /// How many requests reached the CVM metadata paths (`/latest/...`).
    pub(crate) metadata_requests: AtomicU64,
    /// Of those, the requests for a role's credentials (`.../security-credentials/<name>`).
    pub(crate) metadata_credential_requests: AtomicU64,
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
    /// Loads the state from `path` (if the file exists) and keeps it there from now on.
    pub(crate) fn open_state_file(&self, path: &std::path::Path) -> std::io::Result<()> {
        let (file, loaded) = StateFile::open(path)?;
        let mut inner = self.lock();
        if let Some((state, clock_offset)) = loaded {
            let default_vpc = inner.state.default_vpc;
            inner.state = state;
            inner.state.default_vpc = default_vpc;
            inner.clock_offset = clock_offset;
        }
        inner.state_file = Some(file);
        inner.persist()
    }

    /// The shared data of an emulator with these accounts and settings (checked by [`Settings::check`]).
    pub(crate) fn with_settings(
        accounts: &[Account],
        string_quirks: bool,
        settings: Settings,
    ) -> Self {
        let mut roles: BTreeSet<Role> = settings.roles.into_iter().collect();
        roles.extend(settings.instance_role.clone());
        let mut state = crate::state::State::default();
        state.default_vpc = settings.default_vpc;
        Self {
            accounts: accounts
                .iter()
                .map(|a| (a.secret_id.clone(), a.clone()))
                .collect(),
            string_quirks,
            clock_skew: settings.clock_offset,
            providers: settings.providers,
            credential_lifetime: settings.credential_lifetime,
            metadata_requests: AtomicU64::new(0),
            metadata_credential_requests: AtomicU64::new(0),
            inner: Mutex::new(Inner {
                roles,
                instance_role: settings.instance_role,
                journal: crate::journal::Journal::new(settings.journal_capacity),
                state,
                ..Inner::default()
            }),
            faults: Mutex::new(FaultSet::default()),
        }
    }

    /// The service's clock: real time plus the configured offset. Timestamps
    /// are checked against it; `clock/advance` does not move it.
    pub(crate) fn service_now(&self) -> i64 {
        real_now().saturating_add(self.clock_skew)
    }

    /// Binds the instance role (declaring it), or unbinds it with `None`;
    /// returns the role bound before.
    pub(crate) fn bind_instance_role(&self, role: Option<Role>) -> Option<Role> {
        let mut inner = self.lock();
        if let Some(role) = &role {
            inner.roles.insert(role.clone());
        }
        std::mem::replace(&mut inner.instance_role, role)
    }

    /// The fault rules.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultSet> {
        // As for `lock`: nothing panics while holding it.
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The lock-protected data.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock; recover the data if it ever did.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
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
            .filter(|o| o.checked_add(self.service_now()).is_some())
            .ok_or("the emulator clock cannot move that far")?;
        inner.clock_offset = offset;
        inner.persist_or_report();
        Ok(offset)
    }

    /// Whether a request's Timestamp is within 300 s of the service clock or of
    /// emulator time (the service clock plus every advance): clients on the real
    /// clock keep working across `clock/advance`, and so does a client whose clock
    /// follows emulator time (a test that lets credentials approach expiry).
    fn is_fresh(&self, timestamp: i64) -> bool {
        let window = FRESHNESS_SECS.unsigned_abs();
        timestamp.abs_diff(self.service_now()) <= window
            || timestamp.abs_diff(self.emulator_now()) <= window
    }

    /// Emulator time: the service clock plus every advance.
    pub(crate) fn emulator_now(&self) -> i64 {
        self.service_now().saturating_add(self.lock().clock_offset)
    }

    /// Forgets every resource, task, request count, fault rule and journal entry. Accounts, roles,
    /// issued credentials and the clock stay.
    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        inner.state.reset();
        inner.executed.clear();
        inner.journal.clear();
        inner.answers.clear();
        inner.persist_or_report();
        drop(inner);
        self.faults().clear();
    }

    /// The quotas in force, by DescribeVpcLimit type code.
    pub(crate) fn limits(&self) -> BTreeMap<String, i64> {
        self.lock().state.limits().clone()
    }

    /// Sets quotas, all or none (an unknown code or a negative value refuses
    /// the lot); returns every quota in force.
    pub(crate) fn set_limits(
        &self,
        new: &BTreeMap<String, i64>,
    ) -> Result<BTreeMap<String, i64>, String> {
        let mut inner = self.lock();
        inner.state.set_limits(new)?;
        inner.persist_or_report();
        Ok(inner.state.limits().clone())
    }

    /// Back to the default quotas; returns them.
    pub(crate) fn reset_limits(&self) -> BTreeMap<String, i64> {
        let mut inner = self.lock();
        inner.state.reset_limits();
        inner.persist_or_report();
        inner.state.limits().clone()
    }

    /// Seeds a bare-metal VPC of account `uin` in `region` (see [`state::State::create_bm_vpc`]).
    pub(crate) fn create_bm_vpc(
        &self,
        uin: &str,
        region: &str,
        name: &str,
        cidr: &str,
    ) -> Result<String, Failure> {
        let now = self.emulator_now();
        let caller = Caller {
            uin: uin.to_owned(),
            region: region.to_owned(),
        };
        let mut inner = self.lock();
        let id = inner.state.create_bm_vpc(&caller, name, cidr, now)?;
        inner.persist_or_report();
        Ok(id)
    }

    /// Forgets the resources of account `uin` in `region` (see [`state::State::reset_scope`]).
    pub(crate) fn reset_scope(&self, uin: &str, region: &str) -> (usize, usize) {
        let mut inner = self.lock();
        let gone = inner.state.reset_scope(uin, region);
        inner.persist_or_report();
        gone
    }

    /// Every resource of account `uin` in `region`, by family, as
    /// `GET /_emulator/state` shows it.
    pub(crate) fn state_json(&self, uin: &str, region: &str) -> Value {
        let now = self.emulator_now();
        let mut inner = self.lock();
        // Lazily evaluated expiry first, so the dump shows what a Describe would.
        inner.state.expire_pending(now);
        let caller = Caller {
            uin: uin.to_owned(),
            region: region.to_owned(),
        };
        let mut body = state::dump(&inner.state, &caller);
        body["account"] = Value::from(uin);
        body["region"] = Value::from(region);
        body
    }

    /// The clock as the admin endpoints show it.
    pub(crate) fn clock_json(&self) -> Value {
        let offset = self.lock().clock_offset;
        let now = self.emulator_now();
        json!({"offsetSeconds": offset, "now": now, "nowText": format_datetime(now)})
    }

    /// How many requests for `action` passed authentication and validation.
    pub(crate) fn request_count(&self, action: &str) -> u64 {
        self.lock().executed.get(action).copied().unwrap_or(0)
    }

    /// Runs a request through authentication, validation and the state machine,
    /// and renders the JSON body (always an envelope).
    pub(crate) fn process(&self, request: ApiRequest<'_>) -> String {
        let started = std::time::Instant::now();
        let result = self.execute(&request);
        let (code, code_desc, body) = match &result {
            Ok(output) => (0, "Success", render::success(output, self.string_quirks)),
            Err(f) => (
                f.code,
                f.code_desc.as_str(),
                render::failure(f, self.string_quirks),
            ),
        };
        let account = self.account_of(request.params.get("SecretId").unwrap_or_default());
        self.lock()
            .journal
            .record(request.params, account, code, code_desc, started.elapsed());
        body
    }

    /// The uin of an account's or a temporary key's SecretId.
    fn account_of(&self, secret_id: &str) -> Option<String> {
        match self.accounts.get(secret_id) {
            Some(account) => Some(account.uin.clone()),
            None => self.lock().issued.get(secret_id).map(|i| i.uin.clone()),
        }
    }

    fn execute(&self, request: &ApiRequest<'_>) -> Result<String, Failure> {
        let params = &request.params;
        let missing = REQUIRED_COMMON.into_iter().find(|&name| {
            params
                .get(name)
                .is_none_or(|value| name == "Region" && value.is_empty())
        });
        if let Some(name) = missing {
            let message = invalid_param(name, "missing required parameter");
            return Err(Failure::invalid_parameter(message));
        }
        let get = |name: &str| params.get(name).unwrap_or_default();
        let uin = self.authenticate(request).map_err(|e| e.legacy())?;
        let mut inner = self.lock();
        let action = get("Action");
        let spec = qcapi_core::vpc::catalog::find(action).ok_or_else(|| {
            Failure::new(4000, "InvalidAction", format!("unknown Action `{action}`"))
        })?;
        let caller = Caller {
            uin,
            region: get("Region").to_owned(),
        };
        let emulator_now = self.service_now().saturating_add(inner.clock_offset);
        let Inner {
            state,
            executed,
            answers,
            ..
        } = &mut *inner;
        // Once the parameters are valid: the call counts, and a canned answer may
        // take the model's place.
        let mut before_model = || {
            *executed.entry(spec.name).or_default() += 1;
            answers
                .pop(spec.name, &caller.uin)
                .map(CannedAnswer::answer)
        };
        let answer = state::handle(
            state,
            &caller,
            spec,
            params,
            emulator_now,
            &mut before_model,
        );
        // Durable before the answer leaves: an acknowledged change survives a crash.
        // A Describe answered from the state changes nothing (peering expiry is
        // recomputed from the clock, which is kept), so it writes nothing.
        if !state::may_change(spec.name) {
            return answer;
        }
        inner.persist().map_err(|e| {
            let message = format!("the change could not be written to the state file: {e}");
            Failure::new(6000, "InternalError", message)
        })?;
        answer
    }

    /// Checks a signed request's SecretId, signature, Token (for a temporary
    /// key), Timestamp and Nonce, in that order, and records the nonce. Returns
    /// the uin the request acts as. A refused request burns no nonce.
    fn authenticate(&self, request: &ApiRequest<'_>) -> Result<String, AuthError> {
        let params = &request.params;
        let get = |name: &str| params.get(name).unwrap_or_default();
        let secret_id = get("SecretId");
        // A temporary key is copied out so the signature is computed unlocked.
        let (secret_key, uin, temporary) = match self.accounts.get(secret_id) {
            Some(account) => (account.secret_key.clone(), account.uin.clone(), None),
            None => {
                let issued = self.lock().issued.get(secret_id).cloned();
                let unknown = || format!("SecretId `{secret_id}` does not exist");
                let issued = issued.ok_or_else(|| AuthError::new(UNKNOWN_SECRET_ID, unknown()))?;
                (issued.secret_key.clone(), issued.uin.clone(), Some(issued))
            }
        };
        let method = SignatureMethod::from_param(params.get("SignatureMethod"));
        let string_to_sign =
            sign::string_to_sign(request.method, request.host, request.path, params.iter());
        let expected = sign::sign(&secret_key, method, &string_to_sign);
        if !constant_time_eq(expected.as_bytes(), get("Signature").as_bytes()) {
            let message = format!(
                "signature mismatch ({method} over {} {}{})",
                request.method, request.host, request.path
            );
            return Err(AuthError::new(BAD_SIGNATURE, message));
        }
        if let Some(issued) = temporary {
            self.check_token(&issued, params.get("Token"))
                .map_err(|message| AuthError::new(BAD_TOKEN, message))?;
        }
        let timestamp: i64 = get("Timestamp").parse().map_err(|_| {
            let message = invalid_param("Timestamp", "expected UNIX time in seconds");
            AuthError::new(BAD_FORMAT, message)
        })?;
        let now = self.service_now();
        if !self.is_fresh(timestamp) {
            return Err(AuthError::new(STALE, stale_message(timestamp, now)));
        }
        let nonce = get("Nonce")
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                let message = invalid_param("Nonce", "expected a positive integer");
                AuthError::new(BAD_FORMAT, message)
            })?;
        if !self.lock().record_nonce(secret_id, nonce, now) {
            let message = format!("Nonce {nonce} was already used");
            return Err(AuthError::new(REPLAYED, message));
        }
        Ok(uin)
    }

    /// Checks the Token sent with temporary credentials, and that they still work.
    fn check_token(&self, issued: &sts::Issued, sent: Option<&str>) -> Result<(), String> {
        let Some(sent) = sent.filter(|t| !t.is_empty()) else {
            return Err("temporary credentials need the Token issued with them".to_owned());
        };
        if !constant_time_eq(sent.as_bytes(), issued.token.as_bytes()) {
            return Err("the Token does not match the temporary credentials".to_owned());
        }
        if issued.revoked {
            return Err("the temporary credentials were revoked".to_owned());
        }
        if self.emulator_now() >= issued.expires_at {
            return Err(format!(
                "the temporary credentials expired at {} (emulator time)",
                format_datetime(issued.expires_at)
            ));
        }
        Ok(())
    }

    /// Issues credentials for `role` lasting `duration_secs` of emulator time.
    fn issue(&self, role: &Role, duration_secs: u64) -> sts::Issued {
        let mut inner = self.lock();
        let now = self.service_now().saturating_add(inner.clock_offset);
        inner.issued.issue(&role.uin, duration_secs, now)
    }

    /// Revokes every temporary credential issued so far; how many were valid.
    pub(crate) fn revoke_credentials(&self) -> usize {
        let now = self.emulator_now();
        self.lock().issued.revoke_all(now)
    }

    /// A declared role, from an ARN; the STS error otherwise.
    fn declared_role(&self, arn: &str) -> Result<Role, StsError> {
        let role = Role::from_arn(arn).ok_or_else(|| {
            StsError::new(
                "InvalidParameterValue",
                "invalid parameter `RoleArn`: expected qcs::cam::uin/<uin>:roleName/<name>",
            )
        })?;
        let declared = self.lock().roles.contains(&role);
        let message = format!("role `{}` does not exist", role.arn());
        StsError::unless(declared, "ResourceNotFound.RoleNotExist", message)?;
        Ok(role)
    }

    /// STS `AssumeRole`: a legacy-signed form over `POST <host>/`.
    fn assume_role(&self, request: &ApiRequest<'_>) -> Result<sts::Issued, StsError> {
        let params = &request.params;
        let get = |name: &'static str| {
            params
                .get(name)
                .filter(|v| !v.is_empty())
                .ok_or(StsError::missing(name))
        };
        // The legacy common parameters (Version after Action), then the role's.
        let common = REQUIRED_COMMON[1..].iter().copied();
        let required = ["Action", "Version"].into_iter().chain(common);
        for name in required.chain(["RoleArn", "RoleSessionName"]) {
            get(name)?;
        }
        check_action(
            get("Action")?,
            "AssumeRole",
            "here; the emulator's STS serves AssumeRole and AssumeRoleWithWebIdentity",
        )?;
        check_version(get("Version")?)?;
        let uin = self.authenticate(request).map_err(|e| {
            let (code, message) = e.sts();
            StsError::new(code, message)
        })?;
        let duration = duration_param(params.get("DurationSeconds"))?;
        check_session_name(get("RoleSessionName")?)?;
        let role = self.declared_role(get("RoleArn")?)?;
        let owner = &role.uin;
        let message = format!("account {uin} may not assume a role of account {owner}");
        StsError::unless(*owner == uin, "AuthFailure.UnauthorizedOperation", message)?;
        // Policy and ExternalId are accepted and not enforced: the emulator has no CAM policies.
        Ok(self.issue(&role, duration))
    }

    /// STS `AssumeRoleWithWebIdentity`: unsigned, API 3.0 headers and a JSON body.
    fn assume_role_with_web_identity(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<sts::Issued, StsError> {
        let header = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .ok_or(StsError::missing(name))
        };
        let action = header("x-tc-action").unwrap_or_default();
        check_action(
            action,
            "AssumeRoleWithWebIdentity",
            "with X-TC- headers; the emulator's STS takes AssumeRole as a legacy-signed form \
             and AssumeRoleWithWebIdentity unsigned",
        )?;
        StsError::unless(
            header("authorization").ok() == Some("SKIP"),
            "AuthFailure.InvalidAuthorization",
            "AssumeRoleWithWebIdentity is unsigned: send `Authorization: SKIP`",
        )?;
        check_version(header("X-TC-Version")?)?;
        header("X-TC-Region")?;
        let timestamp = header("X-TC-Timestamp")?.parse::<i64>().map_err(|_| {
            StsError::new(
                "InvalidParameterValue",
                "invalid header `X-TC-Timestamp`: expected UNIX time in seconds",
            )
        })?;
        let stale = stale_message(timestamp, self.service_now());
        StsError::unless(
            self.is_fresh(timestamp),
            "AuthFailure.SignatureExpire",
            stale,
        )?;
        let not_object = |e: &dyn std::fmt::Display| {
            let message = format!("the body must be a JSON object: {e}");
            StsError::new("InvalidParameter", message)
        };
        let body: Value = serde_json::from_slice(body).map_err(|e| not_object(&e))?;
        let body = body
            .as_object()
            .ok_or_else(|| not_object(&"not an object"))?;
        let field = |name: &'static str| {
            body.get(name)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .ok_or(StsError::missing(name))
        };
        let provider_id = field("ProviderId")?;
        let token = field("WebIdentityToken")?;
        let arn = field("RoleArn")?;
        let session = field("RoleSessionName")?;
        // A number or its text; `null` is as absent.
        let duration = body.get("DurationSeconds").filter(|v| !v.is_null());
        let duration = duration.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let duration = duration_param(duration.as_deref())?;
        check_session_name(session)?;
        let provider = self
            .providers
            .iter()
            .find(|p| p.id == provider_id)
            .ok_or_else(|| {
                StsError::new(
                    "InvalidParameterValue",
                    format!("identity provider `{provider_id}` does not exist"),
                )
            })?;
        StsError::unless(
            constant_time_eq(provider.token.as_bytes(), token.as_bytes()),
            "InvalidParameter.WebIdentityTokenError",
            "the WebIdentityToken is not valid for this provider",
        )?;
        // The provider is trusted by every declared role: the emulator has no trust policies.
        let role = self.declared_role(arn)?;
        Ok(self.issue(&role, duration))
    }
}

/// An STS (API 3.0) error: `Response.Error.Code` and `.Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StsError {
    code: &'static str,
    message: String,
}

impl StsError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `Err` with this code and message unless `ok`.
    fn unless(ok: bool, code: &'static str, message: impl Into<String>) -> Result<(), Self> {
        ok.then_some(()).ok_or_else(|| Self::new(code, message))
    }

    fn missing(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("the parameter `{name}` is required"),
        )
    }
}

/// Refuses an `action` other than `expected`; `served` says how this endpoint is used.
fn check_action(action: &str, expected: &str, served: &str) -> Result<(), StsError> {
    let message = format!("Action `{action}` is not served {served}");
    StsError::unless(action == expected, "InvalidAction", message)
}

fn check_version(version: &str) -> Result<(), StsError> {
    let served = sts::STS_VERSION;
    let message = format!("Version `{version}` is not served; STS is `{served}`");
    StsError::unless(version == served, "NoSuchVersion", message)
}

fn check_session_name(name: &str) -> Result<(), StsError> {
    StsError::unless(
        sts::valid_session_name(name),
        "InvalidParameterValue",
        "invalid parameter `RoleSessionName`: expected 2 to 128 of letters, digits and +=,.@_-",
    )
}

/// `DurationSeconds`: absent means 7200; else an integer 1..=43200.
fn duration_param(value: Option<&str>) -> Result<u64, StsError> {
    let Some(text) = value.filter(|v| !v.is_empty()) else {
        return Ok(sts::DEFAULT_DURATION_SECS);
    };
    text.parse::<u64>()
        .ok()
        .filter(|d| (1..=sts::MAX_DURATION_SECS).contains(d))
        .ok_or_else(|| {
            StsError::new(
                "InvalidParameterValue",
                format!(
                    "invalid parameter `DurationSeconds`: expected an integer from 1 to {}",
                    sts::MAX_DURATION_SECS
                ),
            )
        })
}

/// `invalid parameter `NAME`: REASON`, worded as qcapi-core words it.
fn invalid_param(name: &str, reason: &str) -> String {
    let param = InvalidParam {
        parameter: name.to_owned(),
        reason: reason.to_owned(),
    };
    param.to_string()
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
    for pair in bytes.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        // Either failure names the parameter, as far as its name decodes.
        let not_utf8 = |_| InvalidParam {
            parameter: String::from_utf8_lossy(&decode_component(name)).into_owned(),
            reason: "not valid UTF-8 after percent-decoding".to_owned(),
        };
        let text = |raw| String::from_utf8(decode_component(raw).into_owned()).map_err(not_utf8);
        into.push(text(name)?, text(value)?);
    }
    Ok(())
}

/// One name or value as bytes: `+` to a space, then `%XX` to its byte; borrowed
/// when there is nothing to replace (the common case), so its text is one copy.
fn decode_component(raw: &[u8]) -> Cow<'_, [u8]> {
    if !raw.contains(&b'+') {
        return percent_encoding::percent_decode(raw).into();
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    Cow::Owned(Cow::from(percent_encoding::percent_decode(&spaced)).into_owned())
}

/// The routes: the API (GET and POST; other methods get 405 from the handler, so
/// HEAD does not fall through to GET), STS on `POST /`, the CVM metadata under
/// `/latest/`, the admin endpoints under `/_emulator/` (each handler says what
/// it does), 404 elsewhere.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(API_PATH, any(api))
        .route("/", post(sts_endpoint))
        .route("/latest/{*rest}", any(metadata))
        .route("/_emulator/clock/advance", post(advance_clock))
        .route("/_emulator/clock", get(show_clock))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/state", get(show_state))
        .route("/_emulator/bm-vpcs", post(seed_bm_vpc))
        .route(
            "/_emulator/answers",
            get(list_answers).post(add_answer).delete(clear_answers),
        )
        .route(
            "/_emulator/tasks",
            get(list_task_rules)
                .post(add_task_rule)
                .delete(clear_task_rules),
        )
        .route(
            "/_emulator/limits",
            get(list_limits).post(set_limits).delete(reset_limits),
        )
        .route(
            "/_emulator/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/_emulator/credentials/revoke", post(revoke_credentials))
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route(
            "/_emulator/instance-role",
            get(show_instance_role)
                .post(bind_instance_role)
                .delete(unbind_instance_role),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(shared)
}

/// What a handler answers; the error side is a refusal sent instead (a body too
/// large or too slow, a bad admin request).
type Answer = Result<Response, Response>;

/// The handlers' view of the shared data.
type SharedState = State<Arc<Shared>>;

async fn api(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Answer {
    let (parts, body) = request.into_parts();
    let method = match parts.method {
        Method::GET => "GET",
        Method::POST => "POST",
        _ => {
            return Err(method_not_allowed(
                API_METHODS,
                "only GET and POST run actions\n",
            ));
        }
    };
    // Read (bounded) even for GET, where it is ignored, so the connection stays usable.
    let body = connection.read_body(body).await?;
    let mut params = Params::new();
    let query = parts.uri.query().unwrap_or_default();
    let mut decoded = decode_pairs(query.as_bytes(), &mut params);
    // The body is read as a form whatever its Content-Type: anything else
    // (e.g. multipart) simply yields parameters that fail verification.
    if method == "POST" && decoded.is_ok() {
        decoded = decode_pairs(&body, &mut params);
    }
    // Before faults and authentication: there is no text to verify a signature over.
    if let Err(invalid) = decoded {
        let failure = Failure::invalid_parameter(invalid.to_string());
        return Ok(json_ok(render::failure(&failure, shared.string_quirks)));
    }
    // Faults see the decoded Action but come before authentication, so a
    // faulted request (Latency aside) changes nothing and is not counted.
    let fault = shared.faults().pick(params.get("Action"));
    let throttled = || {
        let failure = Failure::new(4400, "RequestLimitExceeded", THROTTLED);
        json_ok(render::failure(&failure, shared.string_quirks))
    };
    if let Some(refusal) = apply_fault(fault, &connection, throttled).await {
        return Ok(refusal);
    }
    let request = ApiRequest {
        method,
        host: &host_of(&parts),
        path: parts.uri.path(),
        params,
    };
    Ok(json_ok(shared.process(request)))
}

/// The Host header the client signed; an absolute URI's authority without one.
fn host_of(parts: &Parts) -> String {
    let authority = parts.uri.authority().map(|a| a.to_string());
    match parts.headers.get(header::HOST) {
        Some(value) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        None => authority.unwrap_or_default(),
    }
}

/// `POST /`: STS. With an `X-TC-Action` header it is API 3.0 style (only the
/// unsigned AssumeRoleWithWebIdentity); otherwise a legacy-signed form (AssumeRole).
/// Always 200 with the API 3.0 envelope, as the service answers.
async fn sts_endpoint(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Answer {
    let (parts, body) = request.into_parts();
    let body = connection.read_body(body).await?;
    // A value that is not visible ASCII reads as "": it is only compared with STS's action names.
    let header_action = parts.headers.get("x-tc-action");
    let header_action = header_action.map(|v| v.to_str().unwrap_or_default());
    let mut params = Params::new();
    // Only the body: AssumeRole is signed as a form over path `/` with no query.
    let decoded = match header_action {
        Some(_) => Ok(()),
        None => decode_pairs(&body, &mut params),
    };
    let action = header_action.unwrap_or_else(|| params.get("Action").unwrap_or_default());
    if STS_ACTIONS.contains(&action) {
        let fault = shared.faults().pick_exact(action);
        // STS's API 3.0 error.
        let throttled = || {
            let body = sts::error_json("RequestLimitExceeded", THROTTLED, &sts::request_id());
            json_ok(body)
        };
        if let Some(refusal) = apply_fault(fault, &connection, throttled).await {
            return Ok(refusal);
        }
    }
    let outcome = match (header_action, decoded) {
        (Some(_), _) => shared.assume_role_with_web_identity(&parts.headers, &body),
        (None, Err(invalid)) => Err(StsError::new("InvalidParameter", invalid.to_string())),
        (None, Ok(())) => shared.assume_role(&ApiRequest {
            method: "POST",
            host: &host_of(&parts),
            path: "/",
            params,
        }),
    };
    let request_id = sts::request_id();
    Ok(json_ok(match outcome {
        Ok(issued) => issued.sts_json(&request_id),
        Err(e) => sts::error_json(e.code, &e.message, &request_id),
    }))
}

/// The actions STS serves; a fault rule naming one of them applies to `POST /`.
const STS_ACTIONS: [&str; 2] = ["AssumeRole", "AssumeRoleWithWebIdentity"];

/// Applies the picked fault, if any: `None` to go on (after any latency), or
/// the response that replaces the normal one. `throttled` is how this endpoint
/// answers a throttle.
async fn apply_fault(
    fault: Option<FaultKind>,
    connection: &ConnectionHandle,
    throttled: impl FnOnce() -> Response,
) -> Option<Response> {
    match fault? {
        FaultKind::Latency(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        FaultKind::HttpStatus(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = format!("emulator fault: HTTP {status}\n");
            Some(plain_text(status, text))
        }
        FaultKind::Throttle => Some(throttled()),
        FaultKind::CloseConnection => {
            connection.abort();
            // Never written: the aborted connection fails the write and hyper drops it.
            Some(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// The CVM metadata service under `/latest/`: the bound role's name, and fresh
/// credentials for it. Every request here is counted, whatever its answer.
async fn metadata(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    method: Method,
    uri: Uri,
) -> Response {
    shared.metadata_requests.fetch_add(1, Ordering::Relaxed);
    let fault = shared.faults().pick_exact(METADATA_FAULT_ACTION);
    // A plain 429, as an HTTP service would.
    let throttled = || {
        plain_text(
            StatusCode::TOO_MANY_REQUESTS,
            "emulator fault: too many requests\n",
        )
    };
    if let Some(refusal) = apply_fault(fault, &connection, throttled).await {
        return refusal;
    }
    if method != Method::GET {
        return method_not_allowed("GET", "the metadata service answers GET only\n");
    }
    let path = uri.path();
    let bound = shared.lock().instance_role.clone();
    if path == METADATA_ROLES_PATH || Some(path) == METADATA_ROLES_PATH.strip_suffix('/') {
        return match bound {
            Some(role) => plain_text(StatusCode::OK, role.name),
            None => plain_text(StatusCode::NOT_FOUND, "no role is bound to this instance\n"),
        };
    }
    let Some(name) = path.strip_prefix(METADATA_ROLES_PATH) else {
        return plain_text(StatusCode::NOT_FOUND, "not found\n");
    };
    shared
        .metadata_credential_requests
        .fetch_add(1, Ordering::Relaxed);
    match bound.filter(|role| role.name == name) {
        Some(role) => {
            let issued = shared.issue(&role, shared.credential_lifetime);
            json_ok(issued.metadata_json())
        }
        // The name is not echoed: it comes from the request and may be anything.
        None => plain_text(
            StatusCode::NOT_FOUND,
            "that role is not bound to this instance\n",
        ),
    }
}

/// The instance role as JSON: `{"role":NAME,"uin":UIN}`, both null when unbound.
fn instance_role_json(role: Option<&Role>) -> Value {
    json!({
        "role": role.map(|r| r.name.as_str()),
        "uin": role.map(|r| r.uin.as_str()),
    })
}

/// `GET /_emulator/instance-role`.
async fn show_instance_role(State(shared): SharedState) -> Response {
    json_ok(instance_role_json(shared.lock().instance_role.as_ref()))
}

/// `POST /_emulator/instance-role?name=NAME&secretId=ID`: binds role NAME of
/// the account with that (permanent) SecretId, declaring the role.
async fn bind_instance_role(State(shared): SharedState, uri: Uri) -> Answer {
    let query = admin_query(&uri).ok_or_else(|| bad_request("the query must be UTF-8"))?;
    let name = query.get("name").unwrap_or_default();
    if !sts::valid_role_name(name) {
        return Err(bad_request(
            "expected ?name=NAME (1 to 128 of letters, digits and +=,.@_-)",
        ));
    }
    let secret_id = query.get("secretId").unwrap_or_default();
    let account = shared.accounts.get(secret_id).ok_or_else(|| {
        bad_request("expected &secretId=ID naming one of the emulator's accounts")
    })?;
    let role = Role::new(name, account);
    shared.bind_instance_role(Some(role.clone()));
    let mut body = instance_role_json(Some(&role));
    body["arn"] = Value::from(role.arn());
    Ok(json_ok(body))
}

/// `DELETE /_emulator/instance-role`: unbinds it (the role stays assumable).
async fn unbind_instance_role(State(shared): SharedState) -> Response {
    let before = shared.bind_instance_role(None);
    json_ok(json!({"unbound": before.is_some()}))
}

/// `POST /_emulator/credentials/revoke`: every temporary credential issued so far
/// answers 4105 from now on, as after a revoked role session.
async fn revoke_credentials(State(shared): SharedState) -> Response {
    json_ok(json!({"revoked": shared.revoke_credentials()}))
}

/// `GET /_emulator/requests`: the journal, oldest first.
async fn list_requests(State(shared): SharedState) -> Response {
    let journal = &shared.lock().journal;
    let entries: Vec<Value> = journal.entries().iter().map(|e| e.to_json()).collect();
    json_ok(json!({"requests": entries, "dropped": journal.dropped()}))
}

/// `DELETE /_emulator/requests`: empties the journal.
async fn clear_requests(State(shared): SharedState) -> Response {
    cleared(shared.lock().journal.clear())
}

/// `GET /_emulator/clock`: emulator time and its offset from the service clock.
async fn show_clock(State(shared): SharedState) -> Response {
    json_ok(shared.clock_json())
}

/// `POST /_emulator/reset`, or `?account=UIN&region=R` for one account's region.
async fn reset(State(shared): SharedState, uri: Uri) -> Answer {
    let query = admin_query(&uri).ok_or_else(|| bad_request("the query is not UTF-8"))?;
    if query.get("account").is_none() && query.get("region").is_none() {
        shared.reset();
        return Ok(json_ok(json!({"reset": "all"})));
    }
    let (uin, region) = account_and_region(&query)
        .ok_or_else(|| bad_request("expected no query (everything) or ?account=UIN&region=R"))?;
    let (vpcs, peerings) = shared.reset_scope(uin, region);
    let body = json!({"account": uin, "region": region, "vpcs": vpcs, "peerings": peerings});
    Ok(json_ok(body))
}

/// `GET /_emulator/state?account=UIN&region=R`: that account's resources there.
async fn show_state(State(shared): SharedState, uri: Uri) -> Answer {
    let query = admin_query(&uri).unwrap_or_default();
    let (uin, region) =
        account_and_region(&query).ok_or_else(|| bad_request("expected ?account=UIN&region=R"))?;
    Ok(json_ok(shared.state_json(uin, region)))
}

/// `POST /_emulator/bm-vpcs?account=UIN&region=R&name=N&cidrBlock=C`: seeds a bare-metal VPC.
async fn seed_bm_vpc(State(shared): SharedState, uri: Uri) -> Answer {
    let query = admin_query(&uri).unwrap_or_default();
    let expected = "expected ?account=UIN&region=R&name=N&cidrBlock=C";
    let (uin, region) = account_and_region(&query).ok_or_else(|| bad_request(expected))?;
    let (name, cidr) = (query.get("name"), query.get("cidrBlock"));
    let (name, cidr) = name.zip(cidr).ok_or_else(|| bad_request(expected))?;
    let failure = |f: Failure| bad_request(format!("{}: {}", f.code_desc, f.message));
    let id = shared
        .create_bm_vpc(uin, region, name, cidr)
        .map_err(failure)?;
    Ok(json_ok(json!({"vpcId": id})))
}

/// `POST /_emulator/clock/advance?seconds=N`.
async fn advance_clock(State(shared): SharedState, uri: Uri) -> Answer {
    let query = admin_query(&uri).unwrap_or_default();
    let seconds = query.get("seconds").and_then(|s| s.parse::<u64>().ok());
    let seconds =
        seconds.ok_or_else(|| bad_request("expected ?seconds=N with N a non-negative integer"))?;
    shared.advance_clock(seconds).map_err(bad_request)?;
    Ok(json_ok(shared.clock_json()))
}

/// `GET /_emulator/faults`: the active rules with their remaining budgets.
async fn list_faults(State(shared): SharedState) -> Response {
    json_ok(json!({"faults": shared.faults().to_json()}))
}

/// `POST /_emulator/faults` with a JSON rule, e.g. `{"kind":"throttle","times":3}`.
async fn add_fault(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Answer {
    let fault = json_body(&connection, request, Fault::from_json).await?;
    let added = Value::Object(fault.to_json());
    let mut faults = shared.faults();
    faults.push(fault);
    Ok(json_ok(json!({"added": added, "active": faults.len()})))
}

/// `DELETE /_emulator/faults`: removes every rule.
async fn clear_faults(State(shared): SharedState) -> Response {
    cleared(shared.faults().clear())
}

/// `GET /_emulator/answers`: the canned answers waiting, oldest first.
async fn list_answers(State(shared): SharedState) -> Response {
    json_ok(json!({"answers": shared.lock().answers.to_json()}))
}

/// `POST /_emulator/answers` with a canned answer, e.g.
/// `{"action":"DescribeNatGateway","result":{"totalCount":0,"data":[]}}`.
async fn add_answer(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Answer {
    let answer = json_body(&connection, request, CannedAnswer::from_json).await?;
    let queued = answer.to_json();
    let pending = shared.lock().answers.push(answer);
    Ok(json_ok(json!({"queued": queued, "pending": pending})))
}

/// `DELETE /_emulator/answers`: drops every canned answer.
async fn clear_answers(State(shared): SharedState) -> Response {
    cleared(shared.lock().answers.clear())
}

/// `GET /_emulator/tasks`: the task rules in force, oldest first.
async fn list_task_rules(State(shared): SharedState) -> Response {
    json_ok(json!({"rules": shared.lock().state.task_rules.to_json()}))
}

/// `POST /_emulator/tasks` with a rule, e.g. `{"finish":"after_polls","polls":3}`.
async fn add_task_rule(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Answer {
    let rule = json_body(&connection, request, TaskRule::from_json).await?;
    let added = rule.to_json();
    let rules = shared.lock().state.task_rules.set(rule);
    Ok(json_ok(json!({"added": added, "rules": rules})))
}

/// `DELETE /_emulator/tasks`: back to the default (running once, then the outcome).
async fn clear_task_rules(State(shared): SharedState) -> Response {
    cleared(shared.lock().state.task_rules.clear())
}

/// `GET /_emulator/limits`: the quotas in force, by DescribeVpcLimit type code.
async fn list_limits(State(shared): SharedState) -> Response {
    json_ok(json!({"limits": shared.limits()}))
}

/// `POST /_emulator/limits` with `{"<code>": N, ...}`: sets those quotas (all or
/// none; an unknown code or a negative value is a `400`).
async fn set_limits(
    State(shared): SharedState,
    Extension(connection): Extension<ConnectionHandle>,
    request: Request,
) -> Answer {
    let new = json_body(&connection, request, |value| {
        let object = value.as_object().ok_or("the body must be a JSON object")?;
        let number = |(code, n): (&String, &Value)| {
            let n = n
                .as_i64()
                .ok_or(format!("limit `{code}` must be an integer"))?;
            Ok((code.clone(), n))
        };
        object.iter().map(number).collect::<Result<_, String>>()
    })
    .await?;
    let limits = shared.set_limits(&new).map_err(bad_request)?;
    Ok(json_ok(json!({"limits": limits})))
}

/// `DELETE /_emulator/limits`: back to the default quotas.
async fn reset_limits(State(shared): SharedState) -> Response {
    json_ok(json!({"limits": shared.reset_limits()}))
}

/// An admin endpoint's query, decoded; `None` when it is not UTF-8.
fn admin_query(uri: &Uri) -> Option<Params> {
    let mut query = Params::new();
    let raw = uri.query().unwrap_or_default();
    decode_pairs(raw.as_bytes(), &mut query).ok()?;
    Some(query)
}

/// An admin query's `account` and `region`, both present and non-empty.
fn account_and_region(query: &Params) -> Option<(&str, &str)> {
    let uin = query.get("account").filter(|v| !v.is_empty())?;
    let region = query.get("region").filter(|v| !v.is_empty())?;
    Some((uin, region))
}

/// Reads a JSON body with `parse`; a refusal is the answer to send.
async fn json_body<T>(
    connection: &ConnectionHandle,
    request: Request,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Result<T, Response> {
    let body = connection.read_body(request.into_body()).await?;
    serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("the body must be a JSON object: {e}"))
        .and_then(|value| parse(&value))
        .map_err(bad_request)
}

/// The answer of an admin `DELETE`: how many went.
fn cleared(count: usize) -> Response {
    json_ok(json!({"cleared": count}))
}

/// `400` with `{"error": reason}`: an admin request the emulator cannot follow.
fn bad_request(reason: impl Into<String>) -> Response {
    let body = json!({"error": reason.into()});
    json_response(StatusCode::BAD_REQUEST, body)
}

/// `200` with a JSON body (a [`Value`] or already rendered text).
fn json_ok(body: impl std::fmt::Display) -> Response {
    json_response(StatusCode::OK, body)
}

fn json_response(status: StatusCode, body: impl std::fmt::Display) -> Response {
    let headers = [(header::CONTENT_TYPE, "application/json")];
    (status, headers, body.to_string()).into_response()
}

fn plain_text(status: StatusCode, body: impl Into<String>) -> Response {
    let headers = [(header::CONTENT_TYPE, "text/plain")];
    (status, headers, body.into()).into_response()
}

/// `405` naming the methods `allow`ed.
fn method_not_allowed(allow: &'static str, text: &'static str) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, allow)],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "127.0.0.1:9000";

    fn shared() -> Shared {
        let accounts = [Account::demo_a(), Account::demo_b()];
        Shared::with_settings(&accounts, false, Settings::default())
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
        serde_json::from_str(&shared.process(request)).unwrap_or_default()
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
    fn nonce_logs_of_unused_keys_are_swept() {
        let mut inner = Inner::default();
        for i in 0..NONCE_SWEEP_MIN {
            assert!(inner.record_nonce(&format!("AKIDtmp{i}"), 1, 1000));
        }
        assert_eq!(inner.nonces.len(), NONCE_SWEEP_MIN);
        // Once their nonces are forgotten, the next key past the threshold sweeps them.
        let later = 1000 + NONCE_MEMORY_SECS;
        assert!(inner.record_nonce("AKIDlate", 1, later));
        assert!(inner.record_nonce("AKIDlater", 1, later));
        assert_eq!(inner.nonces.len(), 2, "only the recently used logs remain");
        assert!(
            !inner.record_nonce("AKIDlate", 1, later),
            "still remembered"
        );
    }

    #[test]
    fn the_stale_timestamp_message_ends_with_the_server_time() {
        assert_eq!(
            stale_message(1_796_115_600, 1_796_119_200),
            "Timestamp 1796115600 is more than 300 s from the server's time; \
             the server's time is 2026-12-01 10:00:00, Timestamp = 1796119200"
        );
        let (code, message) = AuthError::new(STALE, stale_message(1, 2)).sts();
        assert_eq!(code, "AuthFailure.SignatureExpire");
        assert!(message.ends_with(", Timestamp = 2"), "{message}");
        let replay = AuthError::new(REPLAYED, "m").legacy();
        assert_eq!(
            (replay.code, replay.code_desc.as_str()),
            (4500, "ReplayAttack")
        );
    }

    #[test]
    fn settings_checks() {
        assert!(Settings::default().check().is_ok());
        let role = |name: &str| Role {
            uin: "1".to_owned(),
            name: name.to_owned(),
        };
        let bad = [
            Settings {
                clock_offset: -MAX_CLOCK_OFFSET_SECS - 1,
                ..Settings::default()
            },
            Settings {
                credential_lifetime: 0,
                ..Settings::default()
            },
            Settings {
                roles: vec![role("a b")],
                ..Settings::default()
            },
            Settings {
                instance_role: Some(role("")),
                ..Settings::default()
            },
        ];
        for settings in bad {
            assert!(settings.check().is_err(), "{settings:?}");
        }
        let provider = Provider {
            id: "p".to_owned(),
            token: "secret-web-token".to_owned(),
        };
        let shown = format!(
            "{:?}",
            Settings {
                providers: vec![provider],
                ..Settings::default()
            }
        );
        assert!(!shown.contains("secret-web-token"), "{shown}");
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
