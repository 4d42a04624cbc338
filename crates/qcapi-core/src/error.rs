//! qcapi's one error type, covering every way a call can fail.

use std::fmt;

use crate::{Action, BusinessCode, CommonCode};

/// How a transport failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection was made (DNS, refused, unreachable): the request never reached the server.
    Connect,
    /// The connect or request timeout elapsed.
    Timeout,
    /// The connection closed before a complete response (e.g. a stale keep-alive connection).
    ConnectionClosed,
    /// Any other I/O, TLS or protocol failure.
    Other,
}

/// A failure to move bytes, reported by a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The transport's description.
    pub message: String,
}

impl TransportError {
    /// A transport error of `kind`. Values of `Token=` and `Signature=` in the
    /// message (an HTTP library may quote the URL) are redacted.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: crate::http::redact_text(&message.into()),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            TransportErrorKind::Connect => "connect error",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::ConnectionClosed => "connection closed before a response",
            TransportErrorKind::Other => "transport error",
        };
        write!(f, "{kind}: {}", self.message)
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
    /// The whole response body.
    pub raw: String,
}

impl ApiError {
    /// The numeric code as a typed common code.
    pub fn common_code(&self) -> CommonCode {
        CommonCode::from_code(self.code)
    }

    /// The business code as `A`'s typed error code, when the response names one.
    ///
    /// ```
    /// # use qcapi_core::{ApiError, vpc};
    /// use vpc::RejectVpcPeeringConnectionErrorCode as Code;
    /// let err = ApiError { action: "RejectVpcPeeringConnection".into(), code: 5000,
    ///     code_desc: Some("InvalidPeeringConnection.NotFound".into()), message: String::new(), raw: String::new() };
    /// assert_eq!(err.business_code::<vpc::RejectVpcPeeringConnection>(), Some(Code::InvalidPeeringConnectionNotFound));
    /// ```
    pub fn business_code<A: Action>(&self) -> Option<A::ErrorCode> {
        match self.code_desc.as_deref() {
            None | Some("" | "Success") => None,
            Some(name) => Some(A::ErrorCode::from_name(name)),
        }
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
    /// A non-200 HTTP status (API errors come with 200).
    HttpStatus {
        /// The status code.
        status: u16,
        /// The body, lossily decoded.
        body: String,
    },
    /// The service answered with an error envelope.
    Api(Box<ApiError>),
    /// The body was not a response qcapi could read.
    Decode {
        /// What was wrong.
        reason: String,
        /// The body, lossily decoded.
        body: String,
    },
    /// No credentials could be found.
    Credentials {
        /// Each source tried and why it gave nothing.
        tried: Vec<String>,
    },
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

    /// The service's numeric code, if this is an API error.
    pub fn code(&self) -> Option<i64> {
        self.api().map(|e| e.code)
    }

    /// Whether the same request may succeed when tried again: connection and
    /// timeout failures, HTTP 5xx, and the throttling or transient codes 4400,
    /// 6000 and 6200. Whether a retry is *safe* also depends on the action
    /// (its spec's `idempotent` flag).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(e) => matches!(
                e.kind,
                TransportErrorKind::Connect
                    | TransportErrorKind::Timeout
                    | TransportErrorKind::ConnectionClosed
            ),
            Self::HttpStatus { status, .. } => *status >= 500,
            Self::Api(e) => e.common_code().is_retryable(),
            Self::InvalidInput { .. } | Self::Decode { .. } | Self::Credentials { .. } => false,
        }
    }

    /// Whether the request provably never reached the server (so even a
    /// non-idempotent action may be retried).
    pub fn is_not_sent(&self) -> bool {
        matches!(self, Self::Transport(e) if e.kind == TransportErrorKind::Connect)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { parameter, reason } => {
                write!(f, "invalid parameter `{parameter}`: {reason}")
            }
            Self::Transport(e) => e.fmt(f),
            Self::HttpStatus { status, .. } => write!(f, "HTTP status {status}"),
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
        }
    }
}

impl std::error::Error for Error {}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}
