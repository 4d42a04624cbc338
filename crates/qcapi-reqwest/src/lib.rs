//! Async client for Tencent Cloud's legacy API ("API 2.0"), on [reqwest].
//!
//! [`Client`] is qcapi-core's generic [`AsyncClient`] with a reqwest transport:
//! every API-specific line (signing, parameters, parsing, errors) lives in
//! `qcapi-core`; this crate only moves bytes. TLS is rustls with certificate
//! verification on; proxies come from the usual environment variables.
//!
//! ```no_run
//! use qcapi_reqwest::{Client, Credentials, vpc};
//!
//! # async fn demo() -> Result<(), qcapi_reqwest::Error> {
//! let client = Client::builder()
//!     .credentials(Credentials::new("AKID...", "secret-key"))
//!     .region("gz")
//!     .build()?;
//! let vpcs = client.send(&vpc::DescribeVpcEx::new()).await?;
//! println!("{} VPCs", vpcs.total_count.unwrap_or(0));
//! # Ok(())
//! # }
//! ```

use std::error::Error as _;
use std::time::{SystemTime, UNIX_EPOCH};

pub use qcapi_core::{
    self as core, Action, Config, Credentials, Error, HttpMethod, Output, RawAction,
    SignatureMethod, vpc,
};
use qcapi_core::{
    AsyncClient, AsyncTransport, HttpRequest, HttpResponse, TransportError, TransportErrorKind,
    TransportFactory,
};

/// The async client: build one with [`Client::builder`].
pub type Client = AsyncClient<ReqwestTransport>;

/// Moves qcapi requests over a pooled [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport over a reqwest client you configured yourself.
    pub fn from_client(http: reqwest::Client) -> Self {
        Self { http }
    }
}

impl TransportFactory for ReqwestTransport {
    fn from_config(config: &Config) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout())
            .timeout(config.timeout())
            .pool_idle_timeout(config.pool_idle_timeout())
            .user_agent(qcapi_core::REQUEST_CLIENT)
            .https_only(false)
            .build()
            .map_err(|e| Error::invalid_input("http client", e.to_string()))?;
        Ok(Self { http })
    }

    fn unix_time() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn random_nonce() -> u64 {
        // A positive 63-bit integer, as the official SDKs draw it.
        let n = getrandom::u64().unwrap_or_else(|_| Self::unix_time() ^ 0x5DEE_CE66_D1CE_4E5B);
        (n >> 1).max(1)
    }

    fn environment() -> &'static dyn qcapi_core::chain::Environment {
        &SystemEnvironment
    }
}

/// The process environment and file system, for the credential chain.
struct SystemEnvironment;

impl qcapi_core::chain::Environment for SystemEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read_file(&self, path: &std::path::Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn home_dir(&self) -> Option<std::path::PathBuf> {
        std::env::home_dir()
    }
}

#[async_trait::async_trait]
impl AsyncTransport for ReqwestTransport {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let builder = match request.method() {
            HttpMethod::Get => self.http.get(request.url()),
            HttpMethod::Post => {
                let mut b = self.http.post(request.url()).body(request.body().to_vec());
                for (name, value) in request.headers() {
                    b = b.header(*name, value);
                }
                b
            }
        };
        let response = builder.send().await.map_err(map_error)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(map_error)?;
        Ok(HttpResponse::new(status, body.to_vec()))
    }

    async fn sleep(&self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Sorts reqwest's errors into the kinds retry decisions need.
fn map_error(e: reqwest::Error) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_request() || e.is_body() {
        // hyper reports a connection closed before a complete response as an incomplete message.
        let mut source = e.source();
        let mut closed = false;
        while let Some(s) = source {
            let text = s.to_string();
            if text.contains("connection closed")
                || text.contains("IncompleteMessage")
                || text.contains("connection reset")
                || text.contains("end of file")
            {
                closed = true;
                break;
            }
            source = s.source();
        }
        if closed {
            TransportErrorKind::ConnectionClosed
        } else {
            TransportErrorKind::Other
        }
    } else {
        TransportErrorKind::Other
    };
    // reqwest's Display includes the URL, which carries the query (and a session token, if any).
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    TransportError::new(kind, message)
}
