//! Blocking client for Tencent Cloud's legacy API ("API 2.0"), on [ureq].
//!
//! [`Client`] is qcapi-platform's generic [`BlockingClient`] with a ureq transport:
//! every API-specific line (signing, parameters, parsing, errors) lives in
//! `qcapi-core`; this crate only moves bytes. No async runtime is involved.
//! TLS is rustls trusting the same roots as `qcapi-reqwest` (the system's, or
//! `SSL_CERT_FILE`'s, plus `add_root_certificates`; see [`qcapi_core::trust`]),
//! not ureq's bundled Mozilla roots.
//!
//! ```no_run
//! use qcapi_ureq::{Client, Credentials, vpc};
//!
//! let client = Client::builder()
//!     .credentials(Credentials::new("AKID...", "secret-key"))
//!     .region("gz")
//!     .build()?;
//! let peerings = client.send(&vpc::DescribeVpcPeeringConnections::new().limit(10))?;
//! println!("{} peering connections", peerings.total_count.unwrap_or(0));
//! # Ok::<(), qcapi_ureq::Error>(())
//! ```

use std::io;

mod connection;
pub use connection::READ_SLICE;
mod resolver;
pub use resolver::{CachingResolver, NAME_TTL};

pub use qcapi_core::{
    self as core, Action, Config, Credentials, Error, HttpMethod, Output, RawAction,
    SignatureMethod, vpc,
};
use qcapi_core::{
    BlockingTransport, HttpRequest, HttpResponse, Route, TransportError, TransportErrorKind,
};
pub use qcapi_platform::{BlockingClient, System, SystemEnvironment, TransportFactory};

/// The blocking client: build one with [`Client::builder`].
pub type Client = BlockingClient<UreqTransport>;

/// Moves qcapi requests over a pooled [`ureq::Agent`].
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    max_response_bytes: u64,
}

impl UreqTransport {
    /// A transport over an agent you configured yourself (status codes must not be
    /// errors: set `http_status_as_error(false)`; redirects must not be followed: set
    /// `max_redirects(0)`). Bodies are read up to [`DEFAULT_MAX_RESPONSE_BYTES`](qcapi_core::config::DEFAULT_MAX_RESPONSE_BYTES).
    pub fn from_agent(agent: ureq::Agent) -> Self {
        Self {
            agent,
            max_response_bytes: qcapi_core::config::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl UreqTransport {
    /// The agent settings qcapi-ureq derives from `config` (timeouts, pool, proxy from
    /// the environment, status codes not errors, redirects not followed, the trusted
    /// roots of [`qcapi_core::trust`]), for an agent built with other parts. Roots that
    /// do not parse and an unreadable `SSL_CERT_FILE` are errors.
    pub fn agent_config(config: &Config) -> Result<ureq::config::Config, Error> {
        let tls = Self::tls_config(config)?;
        Ok(ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A 3xx comes back as it is: following it would send the signed request
            // to a host nobody configured (and re-sign nothing: the signature is for this host).
            .max_redirects(0)
            .timeout_connect(Some(config.connect_timeout()))
            .timeout_global(Some(config.timeout()))
            .max_idle_age(config.pool_idle_timeout())
            .proxy(ureq::Proxy::try_from_env())
            .user_agent(config.request_client())
            .tls_config(tls)
            .build())
    }

    /// rustls with the WebPKI verifier over the root list qcapi-reqwest also uses
    /// (ureq's own default would be its bundled Mozilla roots), or no verification
    /// at all for `danger_accept_invalid_certs`.
    fn tls_config(config: &Config) -> Result<ureq::tls::TlsConfig, Error> {
        let plan =
            qcapi_core::trust::TrustPlan::resolve(config, &qcapi_platform::SystemEnvironment)?;
        let builder = ureq::tls::TlsConfig::builder().unversioned_rustls_crypto_provider(
            std::sync::Arc::new(rustls::crypto::ring::default_provider()),
        );
        let builder = match qcapi_platform::root_certificates(&plan)? {
            None => builder.disable_verification(true),
            Some(roots) => {
                let roots = roots
                    .iter()
                    .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
                    .collect();
                builder.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)))
            }
        };
        Ok(builder.build())
    }
}

impl TransportFactory for UreqTransport {
    fn from_config(config: &Config) -> Result<Self, Error> {
        let agent = ureq::Agent::with_parts(
            Self::agent_config(config)?,
            ureq::unversioned::transport::Connector::chain(
                ureq::unversioned::transport::DefaultConnector::new(),
                connection::SteadyConnections,
            ),
            CachingResolver::<ureq::unversioned::resolver::DefaultResolver>::default(),
        );
        Ok(Self {
            agent,
            max_response_bytes: config.max_response_bytes(),
        })
    }
}

impl BlockingTransport for UreqTransport {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        use qcapi_core::provider::{METADATA_CONNECT_TIMEOUT, METADATA_MAX_BODY, METADATA_TIMEOUT};
        let metadata = request.route() == Route::Metadata;
        let result = match request.method() {
            // The metadata service is on the instance's own network: no proxy, short timeouts.
            HttpMethod::Get if metadata => self
                .agent
                .get(request.url())
                .config()
                .proxy(None)
                .timeout_connect(Some(METADATA_CONNECT_TIMEOUT))
                .timeout_global(Some(METADATA_TIMEOUT))
                .build()
                .call(),
            HttpMethod::Get => self.agent.get(request.url()).call(),
            HttpMethod::Post => {
                let mut builder = self.agent.post(request.url());
                for (name, value) in request.headers() {
                    builder = builder.header(*name, value);
                }
                builder.send(request.body())
            }
        };
        let limit = if metadata {
            METADATA_MAX_BODY
        } else {
            self.max_response_bytes
        };
        let mut response = result.map_err(map_error)?;
        let status = response.status().as_u16();
        let location = response
            .status()
            .is_redirection()
            .then(|| response.headers().get("location"))
            .flatten()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        // `limit` applies while reading, with or without Content-Length.
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(map_error)?;
        let response = HttpResponse::new(status, body);
        Ok(match location {
            Some(location) => response.with_location(location),
            None => response,
        })
    }
}

/// Sorts ureq's errors into the kinds retry decisions need, by variant and by the
/// I/O error kind or the rustls error inside, never by message text. The ureq error
/// stays the source.
fn map_error(e: ureq::Error) -> TransportError {
    use TransportErrorKind as K;
    use ureq::Error as E;
    let kind = match &e {
        E::Timeout(_) => K::Timeout,
        E::HostNotFound | E::ConnectionFailed | E::ConnectProxyFailed(_) => K::Connect,
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => K::Tls,
        E::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            K::Tls
        }
        E::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable => K::Connect,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => K::Timeout,
            // Bytes that do not frame as HTTP (TLS errors, also InvalidData, matched above).
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput => K::Protocol,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => K::ConnectionClosed,
            _ => K::Other,
        },
        E::Protocol(_) | E::LargeResponseHeader(..) => K::Protocol,
        E::BodyExceedsLimit(_) => K::ResponseTooLarge,
        // Its text holds the URL, query and all: keep neither.
        E::BadUri(_) => return TransportError::new(K::Other, "the request URL was rejected"),
        _ => K::Other,
    };
    TransportError::new(kind, e.to_string()).with_source(e)
}
