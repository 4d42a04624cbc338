//! qcapi's one error type, covering every way a call can fail.

use std::fmt;

use crate::CommonCode;
use crate::redact::RawBody;

/// How a transport failed. Retry decisions read only this kind, never error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection was made (DNS, refused, unreachable): the request never reached the server.
    Connect,
    /// The connect or request timeout elapsed.
    Timeout,
    /// The connection closed or was reset before a complete response (a stale
    /// keep-alive connection, a body cut short).
    ConnectionClosed,
    /// The TLS handshake or the server's certificate failed. Never retried: the same
    /// certificate will fail again, and the request was not sent.
    Tls,
    /// The server's bytes were not HTTP/1.x (a garbage status line, an HTTP/0.9
    /// answer, broken chunked encoding, headers too large).
    Protocol,
    /// The response body exceeded `max_response_bytes`; reading stopped there.
    ResponseTooLarge,
    /// Any other I/O failure.
    Other,
}

impl TransportErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "connect error",
            Self::Timeout => "timed out",
            Self::ConnectionClosed => "connection closed before a complete response",
            Self::Tls => "TLS error",
            Self::Protocol => "HTTP protocol error",
            Self::ResponseTooLarge => "response too large",
            Self::Other => "transport error",
        }
    }
}

/// The error a transport failed with, kept as the [`std::error::Error::source`].
type Source = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// A failure to move bytes, reported by a transport: its kind (what retry
/// decisions read), a description, and the underlying error as its `source`.
#[derive(Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<Source>,
}

impl TransportError {
    /// A transport error of `kind`. Secret values in the message (an HTTP library
    /// may quote the URL) are redacted.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: crate::redact::redact_text(&message.into()).into_owned(),
            source: None,
        }
    }

    /// The same error, keeping `source` as its cause. The source must not quote
    /// the request URL or body (strip it first, e.g. reqwest's `without_url`).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    /// What kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The transport's description (redacted).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl PartialEq for TransportError {
    /// Equal kind and message; sources are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for TransportError {}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.describe(), self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// An error envelope from the service: `code` != 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The action that failed.
    pub action: String,
    /// The numeric `code`.
    pub code: i64,
    /// `codeDesc`: the business error name (e.g. `InvalidVpc.NotFound`), when present.
    pub code_desc: Option<String>,
    /// `message`.
    pub message: String,
    /// The whole response body; `Debug` and `Display` mask secrets in it.
    pub raw: RawBody,
}

impl ApiError {
    /// The numeric code as a typed common code.
    pub fn common_code(&self) -> CommonCode {
        CommonCode::from_code(self.code)
    }

    /// The business code (`codeDesc`) as the service spelled it, e.g.
    /// `InvalidVpc.NotFound`; `None` when the response names none (or `Success`).
    /// For the typed form, see the module's enum, e.g. [`vpc::ErrorCode::of`](crate::vpc::ErrorCode::of).
    ///
    /// ```
    /// # use qcapi_core::{ApiError, vpc};
    /// let err = ApiError { action: "RejectVpcPeeringConnection".into(), code: 5000,
    ///     code_desc: Some("InvalidPeeringConnection.NotFound".into()), message: String::new(), raw: Default::default() };
    /// assert_eq!(err.business_code(), Some("InvalidPeeringConnection.NotFound"));
    /// assert_eq!(vpc::ErrorCode::of(&err), Some(vpc::ErrorCode::InvalidPeeringConnectionNotFound));
    /// ```
    pub fn business_code(&self) -> Option<&str> {
        match self.code_desc.as_deref() {
            None | Some("" | "Success") => None,
            Some(name) => Some(name),
        }
    }
}

/// Something that may be an [`ApiError`]: an `ApiError` itself or an [`Error`], so
/// typed business codes (`vpc::ErrorCode::of`) read either.
pub trait AsApiError {
    /// The API error, if this is one.
    fn as_api_error(&self) -> Option<&ApiError>;
}

impl AsApiError for ApiError {
    fn as_api_error(&self) -> Option<&ApiError> {
        Some(self)
    }
}

impl AsApiError for Error {
    fn as_api_error(&self) -> Option<&ApiError> {
        self.api()
    }
}

/// Every way a qcapi call can fail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A parameter or setting was rejected before anything was sent.
    InvalidInput {
        /// The parameter or setting, by its wire or builder name.
        parameter: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The bytes did not make it there and back.
    Transport(TransportError),
    /// A non-200 HTTP status (API errors come with 200). Redirects are never followed:
    /// a 3xx is this error, with where it pointed.
    HttpStatus {
        /// The status code.
        status: u16,
        /// The `Location` of a redirect, with secret parameters masked.
        location: Option<String>,
        /// The body; `Debug` and `Display` mask secrets in it.
        body: RawBody,
    },
    /// The service answered with an error envelope.
    Api(Box<ApiError>),
    /// The body was not a response qcapi could read.
    Decode {
        /// What was wrong.
        reason: String,
        /// The body; `Debug` and `Display` mask secrets in it.
        body: RawBody,
    },
    /// No credentials could be found.
    Credentials {
        /// Each source tried and why it gave nothing.
        tried: Vec<String>,
    },
    /// A credential provider (CVM role, STS, TKE OIDC) could not supply credentials;
    /// the action was not sent.
    Provider(Box<crate::provider::ProviderError>),
}

impl Error {
    /// An invalid-input error naming `parameter`.
    pub fn invalid_input(parameter: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            parameter: parameter.into(),
            reason: reason.into(),
        }
    }

    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The response body this error keeps, if any (HTTP status, decode and API
    /// errors). Printed, it is redacted; [`RawBody::expose`] gives it as received.
    pub fn body(&self) -> Option<&RawBody> {
        match self {
            Self::HttpStatus { body, .. } | Self::Decode { body, .. } => Some(body),
            Self::Api(e) => Some(&e.raw),
            _ => None,
        }
    }

    /// The transport error, if this is one.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            Self::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The service's numeric code, if this is an API error.
    pub fn code(&self) -> Option<i64> {
        self.api().map(|e| e.code)
    }

    /// Whether the same request may succeed when tried again: connection and
    /// timeout failures, HTTP 5xx, and the throttling or transient codes 4400,
    /// 6000 and 6200. TLS, protocol and size failures are not: the same server
    /// will answer the same way. Whether a retry is *safe* also depends on the action
    /// (its spec's `idempotent` flag).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(e) => matches!(
                e.kind(),
                TransportErrorKind::Connect
                    | TransportErrorKind::Timeout
                    | TransportErrorKind::ConnectionClosed
            ),
            Self::HttpStatus { status, .. } => *status >= 500,
            Self::Api(e) => e.common_code().is_retryable(),
            Self::Provider(e) => e.is_retryable(),
            Self::InvalidInput { .. } | Self::Decode { .. } | Self::Credentials { .. } => false,
        }
    }

    /// Whether the request provably never reached the server (so even a
    /// non-idempotent action may be retried).
    pub fn is_not_sent(&self) -> bool {
        match self {
            Self::Transport(e) => e.kind() == TransportErrorKind::Connect,
            // Credentials come before the action is sent.
            Self::Provider(_) => true,
            _ => false,
        }
    }

    /// The provider's error, if this is one.
    pub fn provider(&self) -> Option<&crate::provider::ProviderError> {
        match self {
            Self::Provider(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { parameter, reason } => {
                write!(f, "invalid parameter `{parameter}`: {reason}")
            }
            Self::Transport(e) => e.fmt(f),
            Self::HttpStatus {
                status, location, ..
            } => {
                write!(f, "HTTP status {status}")?;
                match location {
                    Some(location) => write!(f, " (redirect to {location}, not followed)"),
                    None => Ok(()),
                }
            }
            Self::Api(e) => {
                write!(f, "{} failed with code {}", e.action, e.code)?;
                if let Some(desc) = &e.code_desc {
                    write!(f, " ({desc})")?;
                }
                if !e.message.is_empty() {
                    write!(f, ": {}", e.message)?;
                }
                Ok(())
            }
            Self::Decode { reason, .. } => write!(f, "unreadable response: {reason}"),
            Self::Credentials { tried } => {
                write!(f, "no credentials found; tried: {}", tried.join("; "))
            }
            Self::Provider(e) => write!(f, "no credentials: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Provider(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}
