//! A local HTTP server speaking Tencent Cloud's legacy API 2.0 (VPC module), for
//! testing qcapi and its users offline.
//!
//! It checks requests like the service does (required common parameters,
//! SecretId, HmacSHA1/HmacSHA256 signature over the real Host header, Timestamp
//! freshness, Nonce replay), validates parameters against qcapi-core's action
//! specs, and keeps real state: VPCs, subnets, route tables and their routes,
//! same- and cross-region peering connections with their accept/reject/expire
//! life cycle, and asynchronous tasks ([`modelled_actions`] lists the modelled
//! actions). Actions the catalog knows but the emulator does not model answer a
//! success shaped like their spec.
//!
//! ```
//! let emulator = qcapi_emulator::Emulator::start()?;
//! let account = &emulator.accounts()[0];
//! let config = qcapi_core::Config::builder()
//!     .endpoint(emulator.base_url())
//!     .credentials(account.credentials())
//!     .region("gz")
//!     .build()
//!     .expect("a valid configuration");
//! assert_eq!(config.endpoint().host(), emulator.addr().to_string());
//! drop(emulator); // stops the server
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The API is `GET` or `POST /v2/index.php`; any other method there gets
//! `405 Method Not Allowed` (`Allow: GET, POST`) and runs nothing. Every request
//! needs a non-empty `Region` (there is no default). A parameter that is not
//! valid UTF-8 once percent-decoded gets code 4000 naming it, before the
//! signature is checked.
//!
//! # Admin endpoints
//!
//! Unsigned, on the same address (the binary's `--help` lists them too):
//!
//! - `POST /_emulator/clock/advance?seconds=N` moves emulator time forward by
//!   `N` seconds (at most 100 years at once) and answers
//!   `{"offsetSeconds":..,"now":..,"nowText":".."}`. Emulator time drives
//!   resource lifetimes (a pending peering expires after 7 days) and
//!   temporary-credential expiry; Timestamp freshness always uses the real
//!   clock plus [`EmulatorBuilder::clock_offset`]. Like [`Emulator::advance_clock`].
//! - `GET /_emulator/faults` lists the active fault rules with their remaining
//!   budgets: `{"faults":[..]}`.
//! - `POST /_emulator/faults` adds a rule from a JSON body (see below) and
//!   answers `{"added":{..},"active":N}`; like [`Emulator::inject`].
//! - `DELETE /_emulator/faults` removes every rule: `{"cleared":N}`; like
//!   [`Emulator::clear_faults`].
//! - `GET /_emulator/instance-role` answers `{"role":NAME,"uin":UIN}` (both
//!   `null` when no role is bound); `POST /_emulator/instance-role?name=NAME&secretId=ID`
//!   binds role NAME of the account with that SecretId (declaring it) and
//!   answers `{"role":..,"uin":..,"arn":..}` (400 for a bad name or unknown
//!   SecretId); `DELETE` unbinds it: `{"unbound":true|false}`. Like
//!   [`Emulator::bind_instance_role`] / [`Emulator::unbind_instance_role`].
//! - `POST /_emulator/credentials/revoke` revokes every temporary credential
//!   issued so far (their Token answers 4105): `{"revoked":N}`, N of them still
//!   valid; like [`Emulator::revoke_credentials`].
//!
//! Anything else answers 404 (405 for a known path with another method).
//!
//! # Clock
//!
//! A request's `Timestamp` must be within 300 s of the emulator's clock: the
//! real clock plus [`EmulatorBuilder::clock_offset`] (`--clock-offset`), which
//! lets a test run a client against a service an hour ahead or behind. Outside
//! the window the answer is code 4500 `ReplayAttack` with a message that states
//! the emulator's time and ends with exactly `Timestamp = <UNIX seconds>`:
//!
//! ```text
//! Timestamp 1796115600 is more than 300 s from the server's time; the server's time is 2026-12-01 10:00:00, Timestamp = 1796119200
//! ```
//!
//! so a client can read the service's time and correct its own. A replayed
//! Nonce is 4500 too, with the message `Nonce N was already used` (no time).
//!
//! # Temporary credentials
//!
//! The emulator hands out temporary credentials the way a CVM instance with a
//! role, and a TKE pod with OIDC, get them. All three ways below answer fresh
//! credentials each time; they sign `/v2/index.php` requests like a permanent
//! key and act as the role's account (uin), but only with the common parameter
//! `Token` equal to the issued token and only until they expire on the
//! emulator clock (so [`Emulator::advance_clock`] expires them). A missing or
//! wrong Token, or expiry, is code 4105 `InvalidToken` (messages
//! `temporary credentials need the Token issued with them`,
//! `the Token does not match the temporary credentials`,
//! `the temporary credentials expired at YYYY-MM-DD HH:MM:SS (emulator time)`).
//! At most 10 000 issued credentials are remembered (the soonest-expiring are
//! forgotten first, and any expired a day ago); a forgotten key is 4104.
//!
//! Roles are declared with [`EmulatorBuilder::role`] (`--role NAME=SECRET_ID`)
//! and named by ARN, `qcs::cam::uin/<uin>:roleName/<name>` ([`Account::role_arn`]).
//!
//! - **CVM instance metadata** (unsigned, [`EmulatorBuilder::instance_role`],
//!   `--instance-role NAME=SECRET_ID`, or the admin endpoint above):
//!   `GET /latest/meta-data/cam/security-credentials/` answers the bound
//!   role's name as plain text (404 when none is bound);
//!   `GET /latest/meta-data/cam/security-credentials/<name>` answers
//!   `{"TmpSecretId":"..","TmpSecretKey":"..","Token":"..","ExpiredTime":<UNIX s>,"Expiration":"<YYYY-MM-DDTHH:MM:SSZ>","Code":"Success"}`
//!   lasting [`EmulatorBuilder::credential_lifetime`] (default 7200 s), or
//!   404 for a role that is not bound. Other methods get 405. Every request
//!   under `/latest/` is counted by [`Emulator::metadata_requests`].
//! - **STS `AssumeRole`**: `POST /` with a form body holding `Action=AssumeRole`,
//!   `Version=2018-08-13`, `Region`, `RoleArn`, `RoleSessionName` (2 to 128 of
//!   letters, digits and `+=,.@_-`), optional `DurationSeconds` (1 to 43200,
//!   default 7200), `Policy` and `ExternalId` (accepted, not enforced), and the
//!   legacy common parameters `SecretId`, `Timestamp`, `Nonce`,
//!   `SignatureMethod`, `Signature` (and `Token` for a temporary key), signed
//!   as the legacy API signs but over `POST<Host header>/?<sorted params>`.
//!   The caller's uin must own the role.
//! - **STS `AssumeRoleWithWebIdentity`** (TKE OIDC): an unsigned `POST /` with
//!   headers `Authorization: SKIP`, `X-TC-Action: AssumeRoleWithWebIdentity`,
//!   `X-TC-Version: 2018-08-13`, `X-TC-Region`, `X-TC-Timestamp` (within 300 s)
//!   and a JSON body `{"ProviderId","WebIdentityToken","RoleArn","RoleSessionName","DurationSeconds"}`
//!   whose provider and token match one given to
//!   [`EmulatorBuilder::web_identity_provider`] (`--web-identity ID=TOKEN`);
//!   any declared role may be assumed.
//!
//! STS always answers 200 with the API 3.0 envelope:
//! `{"Response":{"Credentials":{"Token":"..","TmpSecretId":"..","TmpSecretKey":".."},"ExpiredTime":<UNIX s>,"Expiration":"<ISO 8601>","RequestId":"<uuid>"}}`,
//! or `{"Response":{"Error":{"Code":"..","Message":".."},"RequestId":".."}}`
//! with `Code` one of `MissingParameter`, `InvalidParameter` (undecodable form,
//! body not a JSON object), `InvalidParameterValue` (DurationSeconds,
//! RoleSessionName, RoleArn shape, Timestamp or Nonce format, a replayed Nonce,
//! an unknown ProviderId), `InvalidAction`, `NoSuchVersion`,
//! `AuthFailure.SecretIdNotFound`, `AuthFailure.SignatureFailure`,
//! `AuthFailure.TokenFailure` (temporary caller's Token wrong, missing or
//! expired), `AuthFailure.SignatureExpire` (stale Timestamp; the message ends
//! `Timestamp = N` as above), `AuthFailure.InvalidAuthorization` (a web
//! identity request not marked `Authorization: SKIP`),
//! `AuthFailure.UnauthorizedOperation` (another uin's role),
//! `ResourceNotFound.RoleNotExist`, `InvalidParameter.WebIdentityTokenError`.
//!
//! ```
//! use qcapi_emulator::{Account, Emulator};
//!
//! let emulator = Emulator::builder()
//!     .instance_role("qcapi-role", Account::demo_a())
//!     .web_identity_provider("tke-oidc", "a-web-identity-token")
//!     .role("deployer", Account::demo_b())
//!     .clock_offset(-3600) // an emulator an hour behind
//!     .start()?;
//! assert_eq!(emulator.metadata_requests(), 0);
//! assert_eq!(Account::demo_b().role_arn("deployer"), "qcs::cam::uin/100000000002:roleName/deployer");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Hostile clients
//!
//! The emulator bounds what a client can hold, so a test suite (or a fuzzer)
//! cannot wedge it:
//!
//! - a connection must complete its request head within the header-read
//!   timeout ([`EmulatorBuilder::header_read_timeout`], default 10 s), counted
//!   from the accept or, on a kept-alive connection, from the request's first
//!   byte; a body gets as long again (then 408). Slow or silent connections are
//!   closed;
//! - a kept-alive connection idle between requests is closed after the idle
//!   timeout ([`EmulatorBuilder::idle_timeout`], default 60 s, as the service does);
//! - at most [`EmulatorBuilder::max_connections`] connections (default 1024)
//!   are served at once; beyond that the emulator stops accepting until one
//!   closes, so later clients wait in the listen backlog instead of costing file
//!   descriptors;
//! - a body over [`MAX_BODY_BYTES`] gets `413` before it is read (no
//!   `100 Continue`), or as soon as a chunked body grows past it.
//!
//! # Fault injection
//!
//! To test client retries and timeouts for real, [`Fault`] rules make
//! `/v2/index.php` misbehave: [`FaultKind::Latency`] delays the answer (the
//! request then runs normally); [`FaultKind::HttpStatus`] answers e.g. 503
//! with a plain-text body; [`FaultKind::CloseConnection`] drops the connection
//! without any response; [`FaultKind::Throttle`] answers the
//! `4400 RequestLimitExceeded` envelope. A rule may be limited to one `Action`
//! and fire the next `times` matching requests or a reproducible `fraction` of
//! them; the first rule that hits applies. Faults act after parameters are
//! decoded (a request refused for its method, body size or invalid UTF-8 never
//! reaches them) but before authentication, so apart from latency a faulted request
//! changes no state and is not counted by [`Emulator::request_count`]: a
//! non-idempotent `CreateVpc` runs at most once per request that reaches it.
//! Add rules with [`Emulator::inject`] / [`EmulatorBuilder::fault`], the
//! binary's `--fault SPEC` (e.g. `status=503,times=2,action=CreateVpc`), or the
//! unsigned admin endpoint `POST /_emulator/faults` with a JSON body such as
//! `{"kind":"http_status","status":503,"action":"CreateVpc","times":2}`
//! (`GET` lists active rules, `DELETE` clears them). The JSON kinds are
//! `{"kind":"http_status","status":CODE}`, `{"kind":"latency","millis":MS}`,
//! `{"kind":"close"}` and `{"kind":"throttle"}`, each with optional `"action"`,
//! `"times"` (≥ 1) and `"fraction"` (0 to 1).
//!
//! Rules can also make the credential endpoints misbehave, but only rules
//! that name them: `action` [`METADATA_FAULT_ACTION`] (`InstanceMetadata`)
//! for the CVM metadata paths, `AssumeRole` or `AssumeRoleWithWebIdentity` for
//! STS (`POST /`). There a throttle answers HTTP 429 (metadata) or STS's
//! `RequestLimitExceeded` error; the other kinds act as on `/v2/index.php`.
//! A faulted metadata request is still counted by [`Emulator::metadata_requests`].
//!
//! ```
//! use qcapi_emulator::{Emulator, Fault};
//!
//! let emulator = Emulator::start()?;
//! emulator.inject(Fault::http_status(503).for_action("CreateVpc").times(2));
//! emulator.inject(Fault::throttle().times(1));
//! emulator.clear_faults();
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

mod cidr;
mod cli;
mod clock;
mod connections;
mod faults;
mod journal;
mod persist;
mod render;
mod scenarios;
mod server;
mod shape;
mod state;
mod sts;

pub use cli::{ADMIN_ENDPOINTS_HELP, EmulatorArgs, RoleFlag, WebIdentityFlag, run_cli};
pub use faults::{Fault, FaultKind};
pub use journal::{DEFAULT_JOURNAL_CAPACITY, RecordedRequest};
pub use scenarios::{CannedAnswer, TaskFinish, TaskRule};
pub use state::modelled_actions;

/// Demo account A's SecretId.
pub const DEMO_A_SECRET_ID: &str = "AKIDemulatorAccountA0000000000000001";
/// Demo account A's SecretKey (a local, published test credential).
pub const DEMO_A_SECRET_KEY: &str = "emulator-secret-key-A";
/// Demo account A's uin.
pub const DEMO_A_UIN: &str = "100000000001";
/// Demo account B's SecretId.
pub const DEMO_B_SECRET_ID: &str = "AKIDemulatorAccountB0000000000000002";
/// Demo account B's SecretKey (a local, published test credential).
pub const DEMO_B_SECRET_KEY: &str = "emulator-secret-key-B";
/// Demo account B's uin.
pub const DEMO_B_UIN: &str = "100000000002";

/// The default listen address of [`EmulatorBuilder`]: loopback, any free port.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// Default of [`EmulatorBuilder::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`EmulatorBuilder::idle_timeout`]: the service closes idle
/// keep-alive connections after 60 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default of [`EmulatorBuilder::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default of [`EmulatorBuilder::credential_lifetime`] (and of STS's `DurationSeconds`).
pub const DEFAULT_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(sts::DEFAULT_DURATION_SECS);
/// The `action` a [`Fault`] names to apply to the CVM metadata paths
/// (`/latest/...`); rules naming `AssumeRole` or `AssumeRoleWithWebIdentity`
/// apply to STS. Only rules naming these exactly do: a rule without an action
/// applies to `/v2/index.php` alone.
pub const METADATA_FAULT_ACTION: &str = "InstanceMetadata";
/// The largest request body accepted (POST forms are a few KiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An account the emulator accepts: an API key pair and the account's uin.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Account {
    /// The key id, sent as `SecretId`.
    pub secret_id: String,
    /// The key that signs requests. Never shown by `Debug`.
    pub secret_key: String,
    /// The account id; resources and peerings belong to it (`peerUin` names it).
    pub uin: String,
}

impl Account {
    /// An account from its key pair and uin.
    pub fn new(
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
        uin: impl Into<String>,
    ) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            uin: uin.into(),
        }
    }

    /// Demo account A (uin `100000000001`).
    pub fn demo_a() -> Self {
        Self::new(DEMO_A_SECRET_ID, DEMO_A_SECRET_KEY, DEMO_A_UIN)
    }

    /// Demo account B (uin `100000000002`).
    pub fn demo_b() -> Self {
        Self::new(DEMO_B_SECRET_ID, DEMO_B_SECRET_KEY, DEMO_B_UIN)
    }

    /// The ARN of this account's role `name`: `qcs::cam::uin/<uin>:roleName/<name>`,
    /// what STS's `RoleArn` takes.
    pub fn role_arn(&self, name: &str) -> String {
        format!("qcs::cam::uin/{}:roleName/{name}", self.uin)
    }

    /// The credentials a qcapi client signs with for this account.
    pub fn credentials(&self) -> qcapi_core::Credentials {
        qcapi_core::Credentials::new(self.secret_id.as_str(), self.secret_key.as_str())
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("uin", &self.uin)
            .finish()
    }
}

impl std::str::FromStr for Account {
    type Err = String;

    /// Parses `SECRET_ID:SECRET_KEY:UIN`. The key may itself contain `:`;
    /// the id is before the first colon and the uin after the last.
    fn from_str(text: &str) -> Result<Self, String> {
        let shape = "expected SECRET_ID:SECRET_KEY:UIN";
        let (secret_id, rest) = text.split_once(':').ok_or(shape)?;
        let (secret_key, uin) = rest.rsplit_once(':').ok_or(shape)?;
        if secret_id.is_empty() || secret_key.is_empty() {
            return Err(format!("{shape}, with a non-empty id and key"));
        }
        if uin.is_empty() || !uin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{shape}: the uin must be digits, got `{uin}`"));
        }
        Ok(Self::new(secret_id, secret_key, uin))
    }
}

/// An [`io::ErrorKind::InvalidInput`] error: settings the emulator refuses to start with.
pub(crate) fn invalid_input(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

/// Checks an account list: at least one, SecretIds unique.
fn check_accounts(accounts: &[Account]) -> io::Result<()> {
    if accounts.is_empty() {
        return Err(invalid_input("the emulator needs at least one account"));
    }
    for (i, a) in accounts.iter().enumerate() {
        if accounts[..i].iter().any(|b| b.secret_id == a.secret_id) {
            let message = format!("SecretId `{}` is given twice", a.secret_id);
            return Err(invalid_input(message));
        }
    }
    Ok(())
}

/// The two demo accounts used when none is configured.
fn demo_accounts() -> Vec<Account> {
    vec![Account::demo_a(), Account::demo_b()]
}

/// Settings for an [`Emulator`]; start it with [`EmulatorBuilder::start`].
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    accounts: Vec<Account>,
    /// [`DEFAULT_LISTEN`] when not set.
    listen: Option<SocketAddr>,
    string_quirks: bool,
    faults: Vec<Fault>,
    limits: connections::Limits,
    settings: server::Settings,
}

impl EmulatorBuilder {
    /// Adds an account (repeatable). Without any, the two demo accounts are used.
    pub fn account(mut self, account: Account) -> Self {
        self.accounts.push(account);
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = Some(addr);
        self
    }

    /// Renders `code` and every JSON number as a string (`"code":"0"`), as
    /// Tencent's documentation examples show them.
    pub fn string_quirks(mut self, on: bool) -> Self {
        self.string_quirks = on;
        self
    }

    /// Starts with this fault rule active (repeatable; rules apply in order).
    /// See [`Emulator::inject`].
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// How long a client may take to send a request head (default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`], 10 s): counted from the accept for a new
    /// connection, and from the first byte of the request on a kept-alive one.
    /// A connection that has not sent a complete head by then, silent or
    /// trickling, is closed. Reading a request body gets as long again (then 408).
    /// Must be greater than zero.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a kept-alive connection may wait between requests before it is
    /// closed (default [`DEFAULT_IDLE_TIMEOUT`], 60 s, as the service does; a
    /// client pool should drop idle connections sooner). Must be greater than zero.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// The most connections served at once (default [`DEFAULT_MAX_CONNECTIONS`],
    /// 1024). At the cap the emulator stops accepting until one closes: further
    /// clients wait in the listen backlog (they are not refused) and are served
    /// once a slot frees, which the timeouts guarantee. Must be at least 1.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max;
        self
    }

    /// Declares role `name` of `account`'s uin (repeatable), so STS's
    /// `AssumeRole` (by any account with that uin) and `AssumeRoleWithWebIdentity`
    /// can assume it as [`Account::role_arn`]. Its temporary credentials act as
    /// that uin on `/v2/index.php`. Only the uin of `account` matters.
    pub fn role(mut self, name: impl Into<String>, account: Account) -> Self {
        self.settings.roles.push(sts::Role::new(name, &account));
        self
    }

    /// Binds role `name` of `account` to the emulated instance (and declares it,
    /// as [`EmulatorBuilder::role`]): `GET /latest/meta-data/cam/security-credentials/`
    /// then answers `name`, and `.../<name>` fresh temporary credentials lasting
    /// [`EmulatorBuilder::credential_lifetime`]. The last call wins.
    pub fn instance_role(mut self, name: impl Into<String>, account: Account) -> Self {
        self.settings.instance_role = Some(sts::Role::new(name, &account));
        self
    }

    /// Accepts `AssumeRoleWithWebIdentity` from OIDC provider `provider_id`
    /// with exactly this `WebIdentityToken` (repeatable, one token per provider),
    /// for any declared role.
    pub fn web_identity_provider(
        mut self,
        provider_id: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        self.settings.providers.push(sts::Provider {
            id: provider_id.into(),
            token: token.into(),
        });
        self
    }

    /// Keeps the state (resources, tasks and emulator time) in `path` across
    /// restarts, as `--state-file` does: loaded at start if the file exists, and
    /// written durably (temporary file, fsync, rename) before every answer that
    /// changed it. A file of another version, or a corrupt one, fails
    /// [`start`](Self::start) and is left as it is.
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.settings.state_file = Some(path.into());
        self
    }

    /// Whether each account and region gets, on its first request there, a default
    /// VPC `Default-VPC` (172.16.0.0/16) with a default subnet `Default-Subnet`
    /// (172.16.0.0/20, zone 100003), marked `isDefault` in DescribeVpcEx and
    /// DescribeSubnetEx (default off; `--default-vpc`). A reset forgets them, and
    /// the next request makes them again.
    ///
    /// ```
    /// let emulator = qcapi_emulator::Emulator::builder().default_vpc(true).start()?;
    /// let _ = emulator.base_url();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn default_vpc(mut self, on: bool) -> Self {
        self.settings.default_vpc = on;
        self
    }

    /// How many requests the journal keeps (default [`DEFAULT_JOURNAL_CAPACITY`]; the
    /// oldest go first; 0 keeps none).
    pub fn journal_capacity(mut self, entries: usize) -> Self {
        self.settings.journal_capacity = entries;
        self
    }

    /// How long metadata credentials last, on the emulator clock (default
    /// [`DEFAULT_CREDENTIAL_LIFETIME`], 7200 s; whole seconds, 1 s to 12 h).
    /// STS credentials last their request's `DurationSeconds`.
    pub fn credential_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.credential_lifetime = lifetime.as_secs();
        self
    }

    /// Runs the emulator's clock `seconds` ahead of the real clock (behind when
    /// negative; at most 100 years either way), as a service whose clock
    /// differs from the client's. Request Timestamps are checked against this
    /// skewed clock, the 4500 message reports it, and emulator time (resource
    /// lifetimes, credential expiry) starts from it.
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.settings.clock_offset = seconds;
        self
    }

    /// Binds the socket and serves on a thread of its own with its own tokio
    /// runtime, so it works from plain and async tests alike. Returns once listening.
    /// Fails with [`io::ErrorKind::InvalidInput`] for an empty or duplicate account
    /// list, a zero timeout or a zero connection cap, an invalid role name, a
    /// credential lifetime outside 1 s to 12 h, a clock offset beyond 100 years,
    /// or a duplicate or empty web identity provider.
    pub fn start(self) -> io::Result<Emulator> {
        let builder = self.checked()?;
        let listen = builder.listen.unwrap_or(DEFAULT_LISTEN);
        let listener = std::net::TcpListener::bind(listen)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}")))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = builder.shared()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let router = server::router(Arc::clone(&shared));
        let limits = builder.limits;
        let thread = std::thread::Builder::new()
            .name(format!("qcapi-emulator-{}", addr.port()))
            .spawn(move || {
                // The runtime is built, used and dropped on this thread: dropping a
                // runtime inside another runtime's async context would panic.
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let listener = {
                    let _entered = runtime.enter();
                    tokio::net::TcpListener::from_std(listener)?
                };
                let _ = ready_tx.send(());
                // A dropped sender (Emulator leaked its handle) also means stop.
                let stop = async move {
                    let _ = stop_rx.await;
                };
                runtime.block_on(connections::serve(listener, router, limits, stop))
            })?;
        if ready_rx.recv().is_err() {
            // The thread ended before serving: its result says why.
            return Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => io::Error::other("the emulator thread exited early"),
            });
        }
        Ok(Emulator {
            addr,
            accounts: builder.accounts,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// These settings, checked (all but the listen address); without accounts,
    /// the demo ones.
    fn checked(mut self) -> io::Result<Self> {
        if self.accounts.is_empty() {
            self.accounts = demo_accounts();
        }
        check_accounts(&self.accounts)?;
        self.limits.check()?;
        self.settings.check()?;
        Ok(self)
    }

    /// The data the server shares, with the state file loaded and the faults active.
    fn shared(&self) -> io::Result<Arc<server::Shared>> {
        let settings = self.settings.clone();
        let shared = server::Shared::with_settings(&self.accounts, self.string_quirks, settings);
        if let Some(path) = &self.settings.state_file {
            shared.open_state_file(path)?;
        }
        for fault in &self.faults {
            shared.faults().push(fault.clone());
        }
        Ok(Arc::new(shared))
    }
}

/// A running emulator. Dropping it stops the server and joins its thread.
pub struct Emulator {
    addr: SocketAddr,
    accounts: Vec<Account>,
    shared: Arc<server::Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator on `127.0.0.1` at a free port with the two demo accounts.
    pub fn start() -> io::Result<Self> {
        Self::builder().start()
    }

    /// Settings for an emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`: the endpoint to configure; clients sign `/v2/index.php` themselves.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address (the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accounts it accepts.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Moves emulator time forward (whole seconds), like `POST /_emulator/clock/advance`.
    /// Emulator time drives resource lifetimes and temporary-credential expiry;
    /// Timestamps are accepted within 300 s of the real clock (plus
    /// [`EmulatorBuilder::clock_offset`]) or of emulator time, so both a client on the
    /// real clock and one whose clock follows [`Emulator::now`] keep working.
    /// Advances beyond the admin endpoint's limit (100 years) are ignored.
    pub fn advance_clock(&self, by: Duration) {
        let _ = self.shared.advance_clock(by.as_secs());
    }

    /// Forgets every resource, task, request count, fault rule and journal entry and
    /// restores the default quotas, as `POST /_emulator/reset` does; accounts, roles, credentials and the clock stay.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Seeds a bare-metal VPC of account `uin` in `region`, named `name` with block
    /// `cidr` (CreateVpc's rules), and returns its unified id: no action at
    /// `vpc.api.qcloud.com` creates one, yet the Bm actions need one. Errors with
    /// the `codeDesc` CreateVpc would answer (`InvalidVpcName.InUse`, `InvalidVpcCidr`).
    pub fn create_bm_vpc(
        &self,
        uin: &str,
        region: &str,
        name: &str,
        cidr: &str,
    ) -> Result<String, String> {
        let seeded = self.shared.create_bm_vpc(uin, region, name, cidr);
        seeded.map_err(|f| f.code_desc)
    }

    /// Forgets account `uin`'s VPCs in `region` (with everything in them; bare-metal
    /// ones too, uncounted) and the
    /// peerings with a side there, as `POST /_emulator/reset?account=UIN&region=R`
    /// does. Returns how many VPCs and peerings went.
    pub fn reset_account(&self, uin: &str, region: &str) -> (usize, usize) {
        self.shared.reset_scope(uin, region)
    }

    /// Every resource of account `uin` in `region`, family by family (`vpcs`,
    /// `subnets`, ...), each in the shape and wire names its Describe action
    /// answers with, as `GET /_emulator/state?account=UIN&region=R` shows it.
    ///
    /// ```
    /// let emulator = qcapi_emulator::Emulator::start()?;
    /// let state = emulator.state(qcapi_emulator::DEMO_A_UIN, "gz");
    /// assert_eq!(state["vpcs"], serde_json::json!([]));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn state(&self, uin: &str, region: &str) -> serde_json::Value {
        self.shared.state_json(uin, region)
    }

    /// Queues a canned answer (`POST /_emulator/answers`): the next call of its
    /// action (by its account, if it names one) gets it once authenticated and
    /// validated, before any model runs. Returns how many answers wait.
    pub fn queue_answer(&self, answer: CannedAnswer) -> usize {
        self.shared.lock().answers.push(answer)
    }

    /// How many canned answers wait (`GET /_emulator/answers` lists them).
    pub fn queued_answers(&self) -> usize {
        self.shared.lock().answers.len()
    }

    /// Drops every canned answer (`DELETE /_emulator/answers`); returns how many went.
    pub fn clear_answers(&self) -> usize {
        self.shared.lock().answers.clear()
    }

    /// Sets how the tasks created from now on finish (`POST /_emulator/tasks`): the
    /// newest rule for their action wins, then the newest for all. Returns how many
    /// rules are in force.
    pub fn set_task_rule(&self, rule: TaskRule) -> usize {
        self.shared.lock().state.task_rules.set(rule)
    }

    /// Back to the default task behaviour (`DELETE /_emulator/tasks`); returns how
    /// many rules went.
    pub fn clear_task_rules(&self) -> usize {
        self.shared.lock().state.task_rules.clear()
    }

    /// The quotas in force, by DescribeVpcLimit type code (`GET /_emulator/limits`):
    /// the defaults until [`set_limit`](Self::set_limit) changes one. DescribeVpcLimit
    /// answers them, and creating one resource past a quota answers its action's
    /// `*LimitExceeded` code.
    ///
    /// ```
    /// let emulator = qcapi_emulator::Emulator::start()?;
    /// assert_eq!(emulator.limits()["0"], 20); // VPCs per account and region
    /// emulator.set_limit("0", 1).expect("a known code");
    /// assert_eq!(emulator.limits()["0"], 1);
    /// assert!(emulator.set_limit("999", 1).is_err());
    /// assert!(emulator.set_limit("0", -1).is_err());
    /// emulator.reset_limits();
    /// assert_eq!(emulator.limits()["0"], 20);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn limits(&self) -> std::collections::BTreeMap<String, i64> {
        self.shared.limits()
    }

    /// Sets quota `code` (a DescribeVpcLimit type) to `value`, as
    /// `POST /_emulator/limits` does; errs (changing nothing) for a code outside
    /// the table or a negative value. Resources already past the new quota stay.
    pub fn set_limit(&self, code: &str, value: i64) -> Result<(), String> {
        let new = std::collections::BTreeMap::from([(code.to_owned(), value)]);
        self.shared.set_limits(&new).map(drop)
    }

    /// Back to the default quotas (`DELETE /_emulator/limits`); a full
    /// [`reset`](Self::reset) restores them too.
    pub fn reset_limits(&self) {
        self.shared.reset_limits();
    }

    /// The calls received on `/v2/index.php`, oldest first, as
    /// `GET /_emulator/requests` lists them (secrets masked); the journal keeps the
    /// newest [`EmulatorBuilder::journal_capacity`] of them.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().journal.entries()
    }

    /// Empties the journal (`DELETE /_emulator/requests`); returns how many entries went.
    pub fn clear_requests(&self) -> usize {
        self.shared.lock().journal.clear()
    }

    /// How many requests for `action` were executed, i.e. passed authentication
    /// and parameter validation (business errors included).
    pub fn request_count(&self, action: &str) -> u64 {
        self.shared.request_count(action)
    }

    /// Activates a fault rule after those already active, like
    /// `POST /_emulator/faults`. For each API request, the first rule that
    /// matches its `Action`, has budget left and whose `fraction` draw hits
    /// applies; a spent rule is removed.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults().push(fault);
    }

    /// Removes every fault rule, like `DELETE /_emulator/faults`.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// How many requests reached the CVM metadata paths (`GET /latest/...`,
    /// whatever the answer), so a test can assert a client asked exactly once.
    pub fn metadata_requests(&self) -> u64 {
        self.shared.metadata_requests.load(Ordering::Relaxed)
    }

    /// Of [`Emulator::metadata_requests`], the `GET`s of a role's credentials
    /// (`/latest/meta-data/cam/security-credentials/<name>`, bound or not, not
    /// faulted): SDKs first ask for the role name, then for its credentials,
    /// so "fetched credentials once" is this counter at 1.
    pub fn metadata_credential_requests(&self) -> u64 {
        self.shared
            .metadata_credential_requests
            .load(Ordering::Relaxed)
    }

    /// Binds role `name` of `account` to the instance at runtime (declaring it),
    /// like `POST /_emulator/instance-role`; see [`EmulatorBuilder::instance_role`].
    /// Credentials issued for an earlier role keep working until they expire.
    pub fn bind_instance_role(&self, name: &str, account: &Account) {
        self.shared
            .bind_instance_role(Some(sts::Role::new(name, account)));
    }

    /// Unbinds the instance role, like `DELETE /_emulator/instance-role`: the
    /// metadata endpoint then answers 404. The role stays assumable through STS.
    pub fn unbind_instance_role(&self) {
        self.shared.bind_instance_role(None);
    }

    /// Revokes every temporary credential issued so far, like
    /// `POST /_emulator/credentials/revoke`: their Token answers 4105 from now on
    /// (new ones can be fetched). Returns how many were still valid.
    pub fn revoke_credentials(&self) -> usize {
        self.shared.revoke_credentials()
    }

    /// How many issued temporary credentials the emulator remembers (at most
    /// 10 000; those expired a day of emulator time ago are forgotten).
    pub fn issued_credentials(&self) -> usize {
        self.shared.lock().issued.len()
    }

    /// The emulator's current time (UNIX seconds): the real clock plus
    /// [`EmulatorBuilder::clock_offset`] plus every clock advance.
    pub fn now(&self) -> i64 {
        self.shared.emulator_now()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Dropping the sender stops the server, as sending would.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_debug_redacts_the_key() {
        let shown = format!("{:?}", Account::demo_a());
        assert!(!shown.contains(DEMO_A_SECRET_KEY), "{shown}");
        assert!(shown.contains(DEMO_A_SECRET_ID), "{shown}");
        assert!(shown.contains(DEMO_A_UIN), "{shown}");
    }

    #[test]
    fn account_parsing() {
        fn check(text: &str, expected: Option<(&str, &str, &str)>) {
            let got = text.parse::<Account>().ok();
            let expected = expected.map(|(i, k, u)| Account::new(i, k, u));
            assert_eq!(got, expected, "{text}");
        }
        check("AKID1:key:123", Some(("AKID1", "key", "123")));
        check("AKID1:k:e:y:123", Some(("AKID1", "k:e:y", "123")));
        check("AKID1:key", None);
        check("AKID1::123", None);
        check(":key:123", None);
        check("AKID1:key:", None);
        check("AKID1:key:12a", None);
        check("", None);
    }

    #[test]
    fn builder_debug_hides_web_identity_tokens() {
        let builder = Emulator::builder()
            .web_identity_provider("tke-oidc", "the-web-identity-token")
            .instance_role("qcapi-role", Account::demo_a());
        let shown = format!("{builder:?}");
        assert!(!shown.contains("the-web-identity-token"), "{shown}");
        assert!(
            shown.contains("tke-oidc") && shown.contains("qcapi-role"),
            "{shown}"
        );
    }

    #[test]
    fn account_lists() {
        assert!(check_accounts(&demo_accounts()).is_ok());
        assert!(check_accounts(&[]).is_err());
        assert!(check_accounts(&[Account::demo_a(), Account::demo_a()]).is_err());
    }
}
