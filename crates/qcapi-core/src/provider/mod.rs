//! Credential providers: where temporary credentials come from (the CVM instance
//! role, STS AssumeRole, TKE's OIDC web identity), and the cache that refreshes them
//! before they expire.
//!
//! A provider is sans-IO, like the rest of core: [`ProvideCredentials::fetch`]
//! starts a [`Fetch`], a small state machine that answers each [`Step`] with an
//! [`HttpRequest`] to send or the credentials it ended with. The client's
//! transport sends the requests, so the blocking and the async client share
//! every line of every provider; only the loop that moves the bytes is written
//! twice (a few lines in `client.rs`).
//!
//! ```
//! use qcapi_core::provider::{CvmRole, ProvideCredentials, Step, FetchContext};
//! use qcapi_core::{HttpResponse, chain::NoEnvironment};
//!
//! let role = CvmRole::new("http://169.254.0.23").unwrap();
//! let ctx = FetchContext { timestamp: 1_700_000_000, nonce: 1, env: &NoEnvironment };
//! let mut fetch = role.fetch();
//! let Step::Send(first) = fetch.step(&ctx, None) else { panic!() };
//! assert_eq!(first.url(), "http://169.254.0.23/latest/meta-data/cam/security-credentials/");
//! let Step::Send(second) = fetch.step(&ctx, Some(Ok(HttpResponse::new(200, "app-role")))) else { panic!() };
//! assert!(second.url().ends_with("/security-credentials/app-role"));
//! let answer = r#"{"TmpSecretId":"AKIDtmp","TmpSecretKey":"k","Token":"t","ExpiredTime":1700007200,"Code":"Success"}"#;
//! let Step::Done(Ok(credentials)) = fetch.step(&ctx, Some(Ok(HttpResponse::new(200, answer)))) else { panic!() };
//! assert_eq!((credentials.secret_id(), credentials.expires_at()), ("AKIDtmp", Some(1_700_007_200)));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::chain::Environment;
use crate::{Credentials, Error, HttpRequest, HttpResponse, RawBody, TransportError};

mod cache;
mod default_chain;
mod metadata;
mod sts;

pub use cache::{CredentialCache, Lookup, RefreshTicket, Snapshot, Waiter};
pub use default_chain::DefaultChain;
pub use metadata::CvmRole;
pub use sts::{AssumeRole, WebIdentity};

/// The metadata service of a CVM instance.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://metadata.tencentyun.com";
/// Environment variable with another metadata service (a private cloud's, a test's).
pub const ENV_METADATA_ENDPOINT: &str = "TENCENTCLOUD_METADATA_ENDPOINT";
/// STS, which AssumeRole and AssumeRoleWithWebIdentity are sent to.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.tencentcloudapi.com/";
/// Environment variable with another STS endpoint, as a full URL.
pub const ENV_STS_ENDPOINT: &str = "TENCENTCLOUD_STS_ENDPOINT";
/// TKE's OIDC settings: the identity provider, the token file, the role and STS's region.
pub const ENV_TKE_PROVIDER_ID: &str = "TKE_PROVIDER_ID";
/// The file holding the web identity token (re-read on every refresh: it rotates).
pub const ENV_TKE_WEB_IDENTITY_TOKEN_FILE: &str = "TKE_WEB_IDENTITY_TOKEN_FILE";
/// The role the web identity assumes.
pub const ENV_TKE_ROLE_ARN: &str = "TKE_ROLE_ARN";
/// The region sent to STS with the web identity.
pub const ENV_TKE_REGION: &str = "TKE_REGION";
/// How long before expiry the cache refreshes: the service refuses requests whose
/// Timestamp is five minutes off, so credentials are renewed at least that early.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// The `DurationSeconds` asked of STS unless set: two hours.
pub const DEFAULT_ROLE_DURATION: Duration = Duration::from_secs(7200);
/// The longest `DurationSeconds` STS grants: twelve hours.
pub const MAX_ROLE_DURATION: Duration = Duration::from_secs(43_200);
/// A metadata request connects within this long.
pub const METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// A metadata request is answered within this long.
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(2);
/// A metadata answer is at most this long (a credential document is about 1 KiB).
pub const METADATA_MAX_BODY: u64 = 64 * 1024;

/// A source of credentials that may expire. Implementations keep no secrets in
/// `Debug` (they hold none but the base credentials of [`AssumeRole`], masked).
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// What errors and `qcapi whoami` call this source, e.g.
    /// `CVM role (metadata http://metadata.tencentyun.com)`.
    fn name(&self) -> String;
    /// Starts one fetch of fresh credentials.
    fn fetch(&self) -> Box<dyn Fetch>;
}

/// One fetch in progress: answer each [`Step::Send`] by sending its request and
/// passing back the outcome, until [`Step::Done`].
pub trait Fetch: Send {
    /// The next step. `answer` is `None` the first time, then the outcome of the
    /// request the previous step asked for.
    fn step(
        &mut self,
        ctx: &FetchContext<'_>,
        answer: Option<Result<HttpResponse, TransportError>>,
    ) -> Step;
}

/// What a [`Fetch`] asks for next.
// Credentials hold their keyed HMAC states (360 bytes); a step is moved a few
// times per refresh, every two hours, so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step {
    /// Send this request and pass its outcome to the next [`Fetch::step`].
    Send(HttpRequest),
    /// The fetch is over.
    Done(Result<Credentials, Error>),
}

/// What a step may read: the time and a nonce (for signed STS requests) and the
/// environment (for the token file TKE rotates).
pub struct FetchContext<'a> {
    /// UNIX time in seconds, as the service sees it (corrected for known skew).
    pub timestamp: u64,
    /// A fresh random positive integer.
    pub nonce: u64,
    /// Environment variables and files.
    pub env: &'a dyn Environment,
}

/// Why a credential provider gave no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    provider: String,
    failure: ProviderFailure,
}

/// What went wrong in a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProviderFailure {
    /// STS answered an error envelope.
    Sts {
        /// `Response.Error.Code`, e.g. `ResourceNotFound.RoleNotExist`.
        code: String,
        /// `Response.Error.Message`.
        message: String,
        /// `Response.RequestId`, when given.
        request_id: Option<String>,
    },
    /// The metadata service says no role is bound to this instance (HTTP 404).
    NoRoleBound,
    /// The metadata service answered a `Code` other than `Success`.
    Metadata {
        /// The `Code` it answered.
        code: String,
    },
    /// The request did not make it there and back.
    Transport(TransportError),
    /// An HTTP status other than 200.
    HttpStatus {
        /// The status.
        status: u16,
        /// The body; printed, it is redacted.
        body: RawBody,
    },
    /// An answer that is not what the provider expects.
    Decode {
        /// What is wrong with it.
        reason: String,
        /// The body; printed, it is redacted.
        body: RawBody,
    },
    /// The provider lacks a setting, or cannot read it (a variable, a file).
    Unavailable(String),
}

impl ProviderError {
    /// An error of `provider`.
    pub fn new(provider: impl Into<String>, failure: ProviderFailure) -> Self {
        Self {
            provider: provider.into(),
            failure,
        }
    }

    /// The provider's name, as [`ProvideCredentials::name`] gives it.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// What went wrong.
    pub fn failure(&self) -> &ProviderFailure {
        &self.failure
    }

    /// Whether asking again may succeed: a failure in transit or a 5xx.
    pub fn is_retryable(&self) -> bool {
        match &self.failure {
            ProviderFailure::Transport(e) => crate::Error::Transport(e.clone()).is_retryable(),
            ProviderFailure::HttpStatus { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.provider)?;
        match &self.failure {
            ProviderFailure::Sts {
                code,
                message,
                request_id,
            } => {
                write!(f, "STS answered {code}: {message}")?;
                match request_id {
                    Some(id) => write!(f, " (RequestId {id})"),
                    None => Ok(()),
                }
            }
            ProviderFailure::NoRoleBound => {
                f.write_str("no role is bound to this instance (the metadata service answered 404)")
            }
            ProviderFailure::Metadata { code } => {
                write!(f, "the metadata service answered Code `{code}`")
            }
            ProviderFailure::Transport(e) => write!(f, "{e}"),
            ProviderFailure::HttpStatus { status, .. } => write!(f, "HTTP status {status}"),
            ProviderFailure::Decode { reason, .. } => write!(f, "unreadable answer: {reason}"),
            ProviderFailure::Unavailable(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.failure {
            ProviderFailure::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::Provider(Box::new(e))
    }
}

/// What the builder says about credential providers; see
/// [`ConfigBuilder::credentials_provider`](crate::ConfigBuilder::credentials_provider)
/// and the methods after it.
#[derive(Clone)]
pub struct ProviderSettings {
    pub(crate) provider: Option<SharedProvider>,
    pub(crate) role_arn: Option<String>,
    pub(crate) role_session_name: Option<String>,
    pub(crate) use_cvm_role: bool,
    pub(crate) metadata_endpoint: Option<String>,
    pub(crate) sts_endpoint: Option<String>,
    pub(crate) refresh_margin: Duration,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            provider: None,
            role_arn: None,
            role_session_name: None,
            use_cvm_role: false,
            metadata_endpoint: None,
            sts_endpoint: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
        }
    }
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider.as_ref().map(|p| p.name()))
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("use_cvm_role", &self.use_cvm_role)
            .field("metadata_endpoint", &self.metadata_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("refresh_margin", &self.refresh_margin)
            .finish()
    }
}

impl ProviderSettings {
    /// The settings, each checked (endpoints parse, names are valid), naming the
    /// builder method of any that is not.
    pub(crate) fn checked(self) -> Result<Self, Error> {
        if let Some(url) = &self.metadata_endpoint {
            crate::Endpoint::parse_with(url, "", "metadata_endpoint")?;
        }
        if let Some(url) = &self.sts_endpoint {
            crate::Endpoint::parse_with(url, "/", "sts_endpoint")?;
        }
        if let Some(arn) = &self.role_arn {
            sts::check_arn(arn).map_err(|_| {
                Error::invalid_input(
                    "role_arn",
                    "must be a role ARN such as qcs::cam::uin/100000000001:roleName/app",
                )
            })?;
        }
        if let Some(name) = &self.role_session_name {
            sts::check_session_name(name).map_err(|_| {
                Error::invalid_input(
                    "role_session_name",
                    "must be 2 to 128 of letters, digits and +=,.@_-",
                )
            })?;
        }
        Ok(self)
    }

    /// The role to assume, if one is set.
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.as_deref()
    }

    /// Whether the instance role is asked for.
    pub fn use_cvm_role(&self) -> bool {
        self.use_cvm_role
    }

    /// The refresh margin.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }
}

/// Credentials that never change, as a provider (the base of an [`AssumeRole`]).
#[derive(Debug, Clone)]
pub struct StaticCredentials {
    credentials: Credentials,
    name: String,
}

impl StaticCredentials {
    /// `credentials`, named `name` in errors (`environment`, `profile default in …`).
    pub fn new(credentials: Credentials, name: impl Into<String>) -> Self {
        Self {
            credentials,
            name: name.into(),
        }
    }
}

impl ProvideCredentials for StaticCredentials {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn fetch(&self) -> Box<dyn Fetch> {
        Box::new(Ready(Some(self.credentials.clone())))
    }
}

/// A fetch that is over before it starts.
struct Ready(Option<Credentials>);

impl Fetch for Ready {
    fn step(
        &mut self,
        _: &FetchContext<'_>,
        _: Option<Result<HttpResponse, TransportError>>,
    ) -> Step {
        Step::Done(
            self.0
                .take()
                .ok_or_else(|| Error::invalid_input("credentials", "fetched twice")),
        )
    }
}

/// Whether `name` is a CAM name (a role or a session): `min` to 128 of letters,
/// digits and `+=,.@_-`.
pub(crate) fn is_cam_name(name: &str, min: usize) -> bool {
    (min..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// A provider shared by a cache and the providers built on it.
pub type SharedProvider = Arc<dyn ProvideCredentials>;

/// Reads the outcome a step was given: the response of a 200, or the failure.
pub(crate) fn answer_of(
    provider: &str,
    answer: Option<Result<HttpResponse, TransportError>>,
) -> Result<HttpResponse, ProviderError> {
    let failure = |f| ProviderError::new(provider, f);
    match answer {
        None => Err(failure(ProviderFailure::Unavailable(
            "the fetch was resumed without an answer".into(),
        ))),
        Some(Err(e)) => Err(failure(ProviderFailure::Transport(e))),
        Some(Ok(response)) => Ok(response),
    }
}

/// The credentials a JSON answer holds under `TmpSecretId`, `TmpSecretKey`,
/// `Token`, with `ExpiredTime` (UNIX seconds) or else `Expiration` (ISO 8601).
pub(crate) fn temporary_credentials(
    fields: &serde_json::Map<String, serde_json::Value>,
    expiry: &serde_json::Map<String, serde_json::Value>,
) -> Result<Credentials, String> {
    let text = |name: &str| {
        fields
            .get(name)
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("no `{name}`"))
    };
    let expires_at = match expiry.get("ExpiredTime") {
        Some(v) => crate::lenient::integer(v)
            .ok()
            .flatten()
            .and_then(|n| u64::try_from(n).ok()),
        None => None,
    }
    .or_else(|| {
        expiry
            .get("Expiration")
            .and_then(serde_json::Value::as_str)
            .and_then(crate::time::parse_iso8601)
            .and_then(|t| u64::try_from(t).ok())
    })
    .ok_or("no `ExpiredTime` or `Expiration`")?;
    Ok(
        Credentials::new(text("TmpSecretId")?, text("TmpSecretKey")?)
            .with_token(text("Token")?)
            .with_expiry(expires_at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_errors_name_the_provider_and_stay_redacted() {
        let e = ProviderError::new(
            "STS AssumeRole qcs::cam::uin/1:roleName/r",
            ProviderFailure::Decode {
                reason: "no `Token`".into(),
                body: r#"{"TmpSecretKey":"leaked-key"}"#.into(),
            },
        );
        let shown = format!("{e} {e:?} {}", Error::from(e.clone()));
        assert!(shown.contains("STS AssumeRole qcs::cam::uin/1:roleName/r: unreadable answer"));
        assert!(!shown.contains("leaked-key"), "{shown}");
    }
}
