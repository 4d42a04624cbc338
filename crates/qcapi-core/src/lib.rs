//! Sans-IO core of qcapi, a Rust client for Tencent Cloud's legacy API ("API 2.0").
//!
//! Everything API-specific lives here, once: credentials, parameter flattening,
//! signing, request building, response parsing, the error type and the generated
//! VPC types. Nothing in this crate performs I/O, reads a clock or draws random
//! numbers: time and nonce are inputs ([`SignContext`]), so every request is
//! reproducible. Transports (`qcapi-ureq`, `qcapi-reqwest`) only move bytes.
//!
//! ```
//! use qcapi_core::{build_request, Config, Credentials, SignContext, vpc};
//!
//! let config = Config::builder()
//!     .credentials(Credentials::new("AKIDexample", "secret"))
//!     .region("gz")
//!     .build()?;
//! let action = vpc::RejectVpcPeeringConnection::new("pcx-8g675gr8");
//! let request = build_request(&action, &config, SignContext::new(1465185768, 11886))?;
//! assert!(request.url().starts_with("https://vpc.api.qcloud.com/v2/index.php"));
//! assert!(request.string_to_sign().contains("peeringConnectionId=pcx-8g675gr8"));
//! # Ok::<(), qcapi_core::Error>(())
//! ```

pub mod action;
pub mod chain;
pub mod config;
pub mod credentials;
pub mod error;
pub mod http;
pub mod lenient;
pub mod params;
pub mod provider;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod service;
pub mod session;
pub mod sign;
pub mod spec;
pub mod time;
pub mod transport;
pub mod trust;

mod generated;

pub use action::{Action, BusinessCode, Output, RawAction, RawOutput, ResponseMeta};
pub use config::{Config, ConfigBuilder, Endpoint, FromConfig, HttpMethod};
pub use credentials::{Credentials, SecretString};
pub use error::{ApiError, AsApiError, Error, TransportError, TransportErrorKind};
pub use generated::{CommonCode, vpc};
pub use http::{HttpRequest, HttpResponse, Route, SignedRequest};
pub use params::{FromParam, FromParams, ParamReader, ParamValue, Params};
pub use redact::RawBody;
pub use request::{SignContext, build_request, build_request_with, signed_url};
pub use response::{parse_output, parse_response};
pub use retry::{Pager, Paginated, RetryPolicy, TaskOutcome, TaskStatus, WaitPolicy};
pub use sign::SignatureMethod;
pub use transport::{AsyncTransport, BlockingTransport};

/// The `RequestClient` value qcapi sends, so the service can tell its callers apart.
pub const REQUEST_CLIENT: &str = concat!("SDK_RUST_QCAPI_", env!("CARGO_PKG_VERSION"));
