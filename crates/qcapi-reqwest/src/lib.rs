//! Async client for Tencent Cloud's legacy API ("API 2.0"), on [reqwest].
//!
//! [`Client`] is qcapi-platform's generic [`AsyncClient`] with a reqwest transport:
//! every API-specific line (signing, parameters, parsing, errors) lives in
//! `qcapi-core`; this crate only moves bytes. TLS is rustls with certificate
//! verification on, trusting the same roots as `qcapi-ureq` (the system's, or
//! `SSL_CERT_FILE`'s, plus `add_root_certificates`; see [`qcapi_core::trust`]);
//! proxies come from the usual environment variables.
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

mod tls;

use std::error::Error as _;

pub use qcapi_core::{
    self as core, Action, Config, Credentials, Error, HttpMethod, Output, RawAction,
    SignatureMethod, vpc,
};
use qcapi_core::{
    AsyncTransport, HttpRequest, HttpResponse, Route, TransportError, TransportErrorKind,
};
pub use qcapi_platform::{AsyncClient, System, SystemEnvironment, TransportFactory};

/// The async client: build one with [`Client::builder`].
pub type Client = AsyncClient<ReqwestTransport>;

/// Moves qcapi requests over a pooled [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    http: reqwest::Client,
    /// For the instance metadata service: no proxy, short timeouts (reqwest sets
    /// both per client, not per request).
    metadata: reqwest::Client,
    max_response_bytes: u64,
}

impl ReqwestTransport {
    /// A transport over a reqwest client you configured yourself (redirects must
    /// not be followed: set `redirect(Policy::none())`). Bodies are read up to
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](qcapi_core::config::DEFAULT_MAX_RESPONSE_BYTES).
    pub fn from_client(http: reqwest::Client) -> Self {
        Self {
            metadata: http.clone(),
            http,
            max_response_bytes: qcapi_core::config::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl TransportFactory for ReqwestTransport {
    fn from_config(config: &Config) -> Result<Self, Error> {
        // The WebPKI verifier over the root list qcapi-ureq also uses, in place of
        // reqwest's default platform verifier (which ureq cannot be given with extra
        // roots), or no verification at all for `danger_accept_invalid_certs`; on ring,
        // the provider ureq uses (see the `tls` module).
        let plan =
            qcapi_core::trust::TrustPlan::resolve(config, &qcapi_platform::SystemEnvironment)?;
        let tls = tls::client_config(qcapi_platform::root_certificates(&plan)?)?;
        // A 3xx comes back as it is: following it would send the signed request
        // (and, on 307/308, the signed body) to a host nobody configured. A Referer
        // would carry the signed URL, SecretId and token included.
        let trusting = || {
            reqwest::Client::builder()
                .user_agent(config.request_client())
                .redirect(reqwest::redirect::Policy::none())
                .referer(false)
                .tls_backend_preconfigured(tls.clone())
        };
        let metadata = trusting()
            .no_proxy()
            .connect_timeout(qcapi_core::provider::METADATA_CONNECT_TIMEOUT)
            .timeout(qcapi_core::provider::METADATA_TIMEOUT)
            .build()
            .map_err(|e| Error::invalid_input("http client", e.to_string()))?;
        let http = trusting()
            .connect_timeout(config.connect_timeout())
            .timeout(config.timeout())
            .pool_idle_timeout(config.pool_idle_timeout())
            .https_only(false)
            .build()
            .map_err(|e| Error::invalid_input("http client", e.to_string()))?;
        Ok(Self {
            http,
            metadata,
            max_response_bytes: config.max_response_bytes(),
        })
    }
}

#[async_trait::async_trait]
impl AsyncTransport for ReqwestTransport {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let metadata = request.route() == Route::Metadata;
        let builder = match request.method() {
            HttpMethod::Get if metadata => self.metadata.get(request.url()),
            HttpMethod::Get => self.http.get(request.url()),
            HttpMethod::Post => {
                let mut b = self.http.post(request.url()).body(request.body().to_vec());
                for (name, value) in request.headers() {
                    b = b.header(*name, value);
                }
                b
            }
        };
        let mut response = builder.send().await.map_err(map_error)?;
        let status = response.status().as_u16();
        let location = response
            .status()
            .is_redirection()
            .then(|| response.headers().get(reqwest::header::LOCATION))
            .flatten()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let limit = if metadata {
            qcapi_core::provider::METADATA_MAX_BODY
        } else {
            self.max_response_bytes
        };
        let too_large = || {
            TransportError::new(
                TransportErrorKind::ResponseTooLarge,
                format!("the response body exceeds max_response_bytes ({limit} bytes)"),
            )
        };
        // Refused before reading when the length is announced; counted while reading otherwise.
        let announced = response.content_length().unwrap_or(0);
        if announced > limit {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(map_error)? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let response = HttpResponse::new(status, body);
        Ok(match location {
            Some(location) => response.with_location(location),
            None => response,
        })
    }

    async fn sleep(&self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Sorts reqwest's errors into the kinds retry decisions need, by walking the
/// source chain and downcasting (rustls, hyper and I/O errors), never by message
/// text. The error, without its URL, stays the source.
fn map_error(e: reqwest::Error) -> TransportError {
    // reqwest's Display includes the URL, which carries the query (and a session token, if any).
    let e = e.without_url();
    let kind = classify(&e);
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    TransportError::new(kind, message).with_source(e)
}

fn classify(e: &reqwest::Error) -> TransportErrorKind {
    use TransportErrorKind as K;
    let mut found = None;
    let mut node: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = node {
        // io::Error's `source` skips the error it wraps, so look inside it explicitly.
        let inner = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        if err.is::<rustls::Error>() || inner.is_some_and(|i| i.is::<rustls::Error>()) {
            return K::Tls;
        }
        if found.is_none() {
            found = kind_of(err);
        }
        node = inner.or_else(|| err.source());
    }
    match found {
        Some(kind) => kind,
        None if e.is_timeout() => K::Timeout,
        None if e.is_connect() => K::Connect,
        None => K::Other,
    }
}

/// The kind one error in the chain stands for, if it tells.
fn kind_of(err: &(dyn std::error::Error + 'static)) -> Option<TransportErrorKind> {
    use TransportErrorKind as K;
    if let Some(e) = err.downcast_ref::<reqwest::Error>() {
        return e.is_timeout().then_some(K::Timeout);
    }
    if let Some(e) = err.downcast_ref::<hyper::Error>() {
        return if e.is_timeout() {
            Some(K::Timeout)
        } else if e.is_parse() || e.is_parse_status() {
            Some(K::Protocol)
        } else if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
            Some(K::ConnectionClosed)
        } else {
            None
        };
    }
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        use std::io::ErrorKind as Io;
        return match io.kind() {
            Io::ConnectionRefused
            | Io::AddrNotAvailable
            | Io::NetworkUnreachable
            | Io::HostUnreachable => Some(K::Connect),
            Io::TimedOut => Some(K::Timeout),
            // What hyper reports for a body it cannot frame (bad chunk sizes: InvalidInput); TLS
            // errors, which are InvalidData too, were recognised before.
            Io::InvalidData | Io::InvalidInput => Some(K::Protocol),
            Io::UnexpectedEof | Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe => {
                Some(K::ConnectionClosed)
            }
            _ => None,
        };
    }
    None
}
