//! Client configuration shared by every transport: where to send, how to sign, how long to wait.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::trust::TlsSettings;
use crate::{Credentials, Error, RetryPolicy, SignatureMethod, WaitPolicy};

/// The legacy VPC endpoint: `https://` + `vpc.` + [`DEFAULT_DOMAIN`].
pub const DEFAULT_ENDPOINT: &str = "https://vpc.api.qcloud.com";
/// The domain every legacy module's host is derived from (`vpc.api.qcloud.com`).
pub const DEFAULT_DOMAIN: &str = "api.qcloud.com";
/// Environment variable with a full endpoint URL for every module (the name
/// Tencent's terraform provider uses is `TENCENTCLOUD_DOMAIN` for the domain).
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_ENDPOINT";
/// Environment variable with the domain modules' hosts are derived from.
pub const ENV_DOMAIN: &str = "TENCENTCLOUD_DOMAIN";
/// The path every legacy module serves.
pub const DEFAULT_PATH: &str = "/v2/index.php";
/// The default cap on a response body: 32 MiB, far above any legacy response (a
/// full page of a Describe action is tens of KiB), so a hostile or broken server
/// cannot make a client hold gigabytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// How a request carries its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpMethod {
    /// Parameters in the query string (the official SDKs' default).
    #[default]
    Get,
    /// Parameters in an `application/x-www-form-urlencoded` body (the official CLI's default).
    Post,
}

impl HttpMethod {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

impl std::str::FromStr for HttpMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "GET" => Ok(Self::Get),
            "POST" => Ok(Self::Post),
            _ => Err(format!("unknown HTTP method `{s}` (expected GET or POST)")),
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where requests go: scheme, authority and path, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: String,
    authority: String,
    path: String,
    base_url: String,
}

impl Endpoint {
    /// Parses `https://host[:port][/path]`. Without a path, `/v2/index.php` is used;
    /// a path is kept as given (an emulator or proxy under a prefix). A port that is
    /// not a number from 1 to 65535 is an error, never silently the default port.
    ///
    /// ```
    /// use qcapi_core::Endpoint;
    /// let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
    /// assert_eq!(e.host(), "127.0.0.1:8080");
    /// assert_eq!(Endpoint::parse("https://vpc.api.qcloud.com:443").unwrap().host(), "vpc.api.qcloud.com");
    /// assert_eq!(Endpoint::parse("http://127.0.0.1:9000/qcapi/v2/index.php").unwrap().path(), "/qcapi/v2/index.php");
    /// assert!(Endpoint::parse("vpc.api.qcloud.com").is_err());
    /// assert!(Endpoint::parse("http://127.0.0.1:99999").unwrap_err().to_string().contains("port `99999`"));
    /// ```
    pub fn parse(url: &str) -> Result<Self, Error> {
        Self::parse_with(url, DEFAULT_PATH, "endpoint")
    }

    /// Parses `url` as [`Endpoint::parse`] does, with `default_path` when it has no
    /// path (`/` for STS, none for the metadata service), naming `setting` in errors.
    /// A path that ends with `/` keeps it only when it is all there is.
    pub fn parse_with(url: &str, default_path: &str, setting: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::invalid_input(setting, format!("`{url}`: {reason}"));
        let uri: http::Uri = url.parse().map_err(|e| invalid(&format!("{e}")))?;
        let scheme = match uri.scheme_str() {
            Some(s @ ("http" | "https")) => s.to_owned(),
            Some(other) => return Err(invalid(&format!("unsupported scheme `{other}`"))),
            None => return Err(invalid("missing scheme (use https://...)")),
        };
        let authority = uri.authority().ok_or_else(|| invalid("missing host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("user information is not allowed"));
        }
        // `http` ignores a port it cannot read (`:99999`, `:abc`); refuse it instead.
        if let Some((_, port)) = authority.as_str().rsplit_once(':')
            && !port.contains(']')
        {
            match port.parse::<u16>() {
                Ok(1..) => {}
                _ => {
                    return Err(invalid(&format!(
                        "port `{port}` is not a number from 1 to 65535"
                    )));
                }
            }
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        // The signed host is the Host header's value: the port only when it is not the default.
        let host = match authority.port_u16() {
            Some(port) if port != default_port => format!("{}:{port}", authority.host()),
            _ => authority.host().to_owned(),
        };
        if uri.query().is_some() {
            return Err(invalid("a query string is not allowed"));
        }
        let path = match uri.path() {
            "" | "/" => default_path.to_owned(),
            p => p.to_owned(),
        };
        Ok(Self {
            base_url: format!("{scheme}://{host}{path}"),
            scheme,
            authority: host,
            path,
        })
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The authority as signed and sent in Host: `host`, or `host:port` for a non-default port.
    pub fn host(&self) -> &str {
        &self.authority
    }

    /// The request path, `/v2/index.php` by default.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `scheme://host/path`, without a query.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether the host is this machine (`localhost`, `127.0.0.0/8`, `::1`): the one
    /// place where plain `http://` does not expose the signed request to a network.
    pub fn is_loopback(&self) -> bool {
        let host = self
            .authority
            .rsplit_once(':')
            .filter(|(_, port)| !port.contains(']'))
            .map_or(self.authority.as_str(), |(host, _)| host);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// Where each module's requests go: a per-module override, else one endpoint for
/// every module, else `<scheme>://<module>.<domain>/v2/index.php`.
///
/// ```
/// use qcapi_core::Config;
/// let config = Config::builder().domain("tce.example.com").build().unwrap();
/// assert_eq!(config.endpoints().for_service("vpc").host(), "vpc.tce.example.com");
/// assert_eq!(config.endpoints().for_service("cvm").base_url(), "https://cvm.tce.example.com/v2/index.php");
/// let config = Config::builder()
///     .domain("tce.example.com")
///     .module_endpoint("cvm", "http://127.0.0.1:9000")
///     .build()
///     .unwrap();
/// assert_eq!(config.endpoints().for_service("cvm").host(), "127.0.0.1:9000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    scheme: &'static str,
    domain: String,
    every_module: Option<Endpoint>,
    per_module: Vec<(String, Endpoint)>,
    /// The derived endpoints of the modules qcapi knows, parsed once.
    derived: Vec<(&'static str, Endpoint)>,
}

impl Endpoints {
    fn new(
        scheme: &'static str,
        domain: String,
        every_module: Option<Endpoint>,
        per_module: Vec<(String, Endpoint)>,
    ) -> Result<Self, Error> {
        let derived = crate::generated::SERVICES
            .iter()
            .map(|service| Ok((service.name, derive(scheme, service.name, &domain)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Self {
            scheme,
            domain,
            every_module,
            per_module,
            derived,
        })
    }

    /// Where requests of `service` (a module name such as `vpc`) go.
    pub fn for_service(&self, service: &str) -> std::borrow::Cow<'_, Endpoint> {
        use std::borrow::Cow;
        match self.known(service) {
            Some(e) => Cow::Borrowed(e),
            // A module qcapi has no types for (through `RawAction::service`): derived now.
            None => derive(self.scheme, service, &self.domain)
                .map_or(Cow::Borrowed(self.primary()), Cow::Owned),
        }
    }

    /// The endpoint of `service` without deriving one: an override, the every-module
    /// endpoint, or a known module's derived one.
    fn known(&self, service: &str) -> Option<&Endpoint> {
        self.per_module
            .iter()
            .find(|(s, _)| s == service)
            .map(|(_, e)| e)
            .or(self.every_module.as_ref())
            .or_else(|| {
                self.derived
                    .iter()
                    .find(|(s, _)| *s == service)
                    .map(|(_, e)| e)
            })
    }

    /// The domain hosts are derived from.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// `https` or `http`, for derived hosts.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// The VPC module's endpoint (the module every generated action belongs to today).
    fn primary(&self) -> &Endpoint {
        // Every known module has a derived endpoint, so `known` always finds it.
        self.known(crate::service::default_service().name)
            .unwrap_or(&self.derived[0].1)
    }

    /// Every endpoint a client of this configuration may send to.
    fn all(&self) -> impl Iterator<Item = &Endpoint> {
        self.per_module
            .iter()
            .map(|(_, e)| e)
            .chain(&self.every_module)
            .chain(self.derived.iter().map(|(_, e)| e))
    }
}

fn derive(scheme: &str, service: &str, domain: &str) -> Result<Endpoint, Error> {
    Endpoint::parse(&format!("{scheme}://{service}.{domain}")).map_err(naming("domain"))
}

/// A source of the current UNIX time in seconds (injectable for tests).
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;
/// A source of request nonces (injectable for tests).
pub type NonceSource = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Everything a client needs besides a transport. Build one with [`Config::builder`].
#[derive(Clone)]
pub struct Config {
    pub(crate) credentials: Option<Credentials>,
    pub(crate) endpoints: Endpoints,
    /// Where a client's credentials came from (`explicit`, `environment`, `profile …`).
    pub(crate) credential_source: Option<String>,
    /// Whether the builder set any of endpoint, domain, scheme: then the
    /// environment's and the profile's are not read.
    pub(crate) endpoints_explicit: bool,
    pub(crate) request_client: String,
    pub(crate) region: Option<String>,
    pub(crate) signature_method: SignatureMethod,
    pub(crate) http_method: HttpMethod,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) clock: Option<Clock>,
    pub(crate) nonce: Option<NonceSource>,
    pub(crate) profile: Option<String>,
    pub(crate) retry: RetryPolicy,
    pub(crate) wait: WaitPolicy,
    pub(crate) tls: TlsSettings,
    pub(crate) providers: crate::provider::ProviderSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("credentials", &self.credentials)
            .field("endpoints", &self.endpoints)
            .field("request_client", &self.request_client)
            .field("region", &self.region)
            .field("signature_method", &self.signature_method)
            .field("http_method", &self.http_method)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .field("nonce", &self.nonce.as_ref().map(|_| "custom"))
            .field("profile", &self.profile)
            .field("retry", &self.retry)
            .field("wait", &self.wait)
            .field("tls", &self.tls)
            .field("providers", &self.providers)
            .finish()
    }
}

impl Config {
    /// A builder with the defaults: the VPC endpoint, HmacSHA256, GET,
    /// 5 s to connect, 30 s per request, idle connections dropped after 50 s
    /// (the service closes them at 60 s).
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The credentials, if set.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }
    /// The VPC module's endpoint (see [`Config::endpoints`] for every module's).
    pub fn endpoint(&self) -> &Endpoint {
        self.endpoints.primary()
    }
    /// Where each module's requests go.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
    /// Every endpoint this configuration may send to (overrides, the every-module
    /// endpoint, the derived hosts of the known modules).
    pub fn all_endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.all()
    }
    /// Where the credentials came from, once a client resolved them: `explicit`,
    /// `environment`, or `profile NAME in PATH` (`None` for a bare configuration).
    pub fn credential_source(&self) -> Option<&str> {
        self.credential_source.as_deref()
    }
    /// The `RequestClient` value sent: qcapi's own, then the application name, if set.
    pub fn request_client(&self) -> &str {
        &self.request_client
    }
    /// The region sent as `Region`, if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    /// The signature method.
    pub fn signature_method(&self) -> SignatureMethod {
        self.signature_method
    }
    /// GET or POST.
    pub fn http_method(&self) -> HttpMethod {
        self.http_method
    }
    /// Time allowed to open a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// Time allowed for a whole request, connection included.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// How long an idle pooled connection is kept.
    pub fn pool_idle_timeout(&self) -> Duration {
        self.pool_idle_timeout
    }
    /// The largest response body a client reads; a longer one is a
    /// [`TransportErrorKind::ResponseTooLarge`](crate::TransportErrorKind::ResponseTooLarge) error.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }
    /// The injected clock, if any (transports fall back to the system clock).
    pub fn clock(&self) -> Option<&Clock> {
        self.clock.as_ref()
    }
    /// The injected nonce source, if any (transports fall back to a CSPRNG).
    pub fn nonce_source(&self) -> Option<&NonceSource> {
        self.nonce.as_ref()
    }
    /// The profile of the credentials file to use, if named.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }
    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
    /// The task-wait policy.
    pub fn wait_policy(&self) -> &WaitPolicy {
        &self.wait
    }
}

/// Something built from a [`Config`]: the config itself, or a client.
pub trait FromConfig: Sized {
    /// Builds `Self` from a validated configuration.
    fn from_config(config: Config) -> Result<Self, Error>;
}

impl FromConfig for Config {
    fn from_config(config: Config) -> Result<Self, Error> {
        Ok(config)
    }
}

/// Builder for a [`Config`] or, through `Client::builder()`, for a client
/// (`C`); every client shares these settings.
pub struct ConfigBuilder<C = Config> {
    credentials: Option<Credentials>,
    endpoint: Option<String>,
    domain: Option<String>,
    scheme: Option<String>,
    module_endpoints: Vec<(String, String)>,
    app_name: Option<String>,
    region: Option<String>,
    signature_method: SignatureMethod,
    http_method: HttpMethod,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    max_response_bytes: Option<u64>,
    clock: Option<Clock>,
    nonce: Option<NonceSource>,
    profile: Option<String>,
    retry: RetryPolicy,
    wait: WaitPolicy,
    tls: TlsSettings,
    providers: crate::provider::ProviderSettings,
    target: PhantomData<fn() -> C>,
}

impl<C> Default for ConfigBuilder<C> {
    fn default() -> Self {
        Self {
            credentials: None,
            endpoint: None,
            domain: None,
            scheme: None,
            module_endpoints: Vec::new(),
            app_name: None,
            region: None,
            signature_method: SignatureMethod::default(),
            http_method: HttpMethod::default(),
            connect_timeout: None,
            timeout: None,
            pool_idle_timeout: None,
            max_response_bytes: None,
            clock: None,
            nonce: None,
            profile: None,
            retry: RetryPolicy::default(),
            wait: WaitPolicy::default(),
            tls: TlsSettings::default(),
            providers: crate::provider::ProviderSettings::default(),
            target: PhantomData,
        }
    }
}

impl<C: FromConfig> ConfigBuilder<C> {
    /// The credentials that sign every request.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
    /// One endpoint for every module, e.g. an emulator's URL or a private cloud's
    /// gateway (default: each module's host derived from the domain). Without it, a
    /// client reads `TENCENTCLOUD_ENDPOINT`, then the profile's `endpoint`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The domain modules' hosts are derived from: `vpc.<domain>` (default
    /// `api.qcloud.com`; a private cloud has its own). Without it, a client reads
    /// `TENCENTCLOUD_DOMAIN`, then the profile's `domain`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// `https` (default) or `http`, for hosts derived from the domain.
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        self.scheme = Some(scheme.into());
        self
    }
    /// The endpoint of one module (`vpc`, `cvm`, ...), over everything else.
    pub fn module_endpoint(mut self, module: impl Into<String>, url: impl Into<String>) -> Self {
        self.module_endpoints.push((module.into(), url.into()));
        self
    }
    /// An application name sent after qcapi's own in `RequestClient`
    /// (`SDK_RUST_QCAPI_0.1.0; billing-sync/1.4`): printable ASCII, at most 64 characters.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }
    /// The region sent as `Region`, e.g. `gz`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// HmacSHA256 (default) or HmacSHA1.
    pub fn signature_method(mut self, method: SignatureMethod) -> Self {
        self.signature_method = method;
        self
    }
    /// GET (default) or POST.
    pub fn http_method(mut self, method: HttpMethod) -> Self {
        self.http_method = method;
        self
    }
    /// Time allowed to open a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// Time allowed for a whole request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// How long idle pooled connections are kept (default 50 s; keep it under the service's 60 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = Some(timeout);
        self
    }
    /// The largest response body either client reads, with or without a
    /// `Content-Length` (default 32 MiB, [`DEFAULT_MAX_RESPONSE_BYTES`]). Reading
    /// stops there with a `ResponseTooLarge` transport error, which is not retried.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }
    /// Replaces the system clock (UNIX seconds), e.g. for reproducible tests.
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
    /// Replaces the CSPRNG nonce source, e.g. for reproducible tests.
    pub fn nonce_source(mut self, nonce: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.nonce = Some(Arc::new(nonce));
        self
    }

    /// The profile of the credentials file (`~/.tencentcloud/credentials`) used when
    /// no credentials are set explicitly or in the environment (default: `TENCENTCLOUD_PROFILE`, else `default`).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }
    /// How failed calls are retried (default: 3 attempts, 200 ms base, full jitter, 60 s deadline).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Attempts in all, the first included (1 disables retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry.max_attempts = attempts.max(1);
        self
    }
    /// How tasks are polled by `wait_for_task` (default: 1 s doubling to 10 s, 10 min deadline).
    pub fn wait_policy(mut self, policy: WaitPolicy) -> Self {
        self.wait = policy;
        self
    }

    /// Validates the settings and builds `C`.
    pub fn build(self) -> Result<C, Error> {
        C::from_config(self.build_config()?)
    }

    fn build_config(self) -> Result<Config, Error> {
        let endpoints_explicit =
            self.endpoint.is_some() || self.domain.is_some() || self.scheme.is_some();
        let per_module = self
            .module_endpoints
            .iter()
            .map(|(module, url)| {
                let endpoint =
                    Endpoint::parse(url).map_err(naming(format!("module_endpoint({module})")))?;
                Ok((module.clone(), endpoint))
            })
            .collect::<Result<_, Error>>()?;
        let endpoints = endpoints_from(
            self.scheme.as_deref(),
            self.domain.as_deref(),
            self.endpoint.as_deref(),
            per_module,
        )?;
        let request_client = match &self.app_name {
            None => crate::REQUEST_CLIENT.to_owned(),
            Some(name) => {
                let printable = name.bytes().all(|b| (0x20..0x7f).contains(&b));
                if name.trim().is_empty() || name.len() > 64 || !printable {
                    return Err(Error::invalid_input(
                        "app_name",
                        "must be 1 to 64 printable ASCII characters",
                    ));
                }
                format!("{}; {name}", crate::REQUEST_CLIENT)
            }
        };
        let nonzero = |name: &str, d: Option<Duration>, default: Duration| match d {
            Some(d) if d.is_zero() => Err(Error::invalid_input(name, "must be greater than zero")),
            Some(d) => Ok(d),
            None => Ok(default),
        };
        if let Some(region) = &self.region {
            if region.is_empty() {
                return Err(Error::invalid_input("region", "must not be empty"));
            }
        }
        Ok(Config {
            credentials: self.credentials,
            endpoints,
            credential_source: None,
            endpoints_explicit,
            request_client,
            region: self.region,
            signature_method: self.signature_method,
            http_method: self.http_method,
            connect_timeout: nonzero(
                "connect_timeout",
                self.connect_timeout,
                Duration::from_secs(5),
            )?,
            timeout: nonzero("timeout", self.timeout, Duration::from_secs(30))?,
            pool_idle_timeout: nonzero(
                "pool_idle_timeout",
                self.pool_idle_timeout,
                Duration::from_secs(50),
            )?,
            max_response_bytes: match self.max_response_bytes {
                Some(0) => {
                    return Err(Error::invalid_input(
                        "max_response_bytes",
                        "must be greater than zero",
                    ));
                }
                limit => limit.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            },
            clock: self.clock,
            nonce: self.nonce,
            profile: self.profile,
            retry: self.retry,
            wait: self.wait,
            tls: self.tls,
            providers: self.providers.checked()?,
        })
    }
}

/// Builds the endpoints from their settings, naming the setting that is wrong.
fn endpoints_from(
    scheme: Option<&str>,
    domain: Option<&str>,
    every_module: Option<&str>,
    per_module: Vec<(String, Endpoint)>,
) -> Result<Endpoints, Error> {
    let scheme = match scheme.unwrap_or("https") {
        "https" => "https",
        "http" => "http",
        other => {
            return Err(Error::invalid_input(
                "scheme",
                format!("`{other}`: expected https or http"),
            ));
        }
    };
    let domain = domain.unwrap_or(DEFAULT_DOMAIN).trim().trim_matches('.');
    if domain.is_empty() || domain.contains(['/', ':', '@', '?', '#']) {
        return Err(Error::invalid_input(
            "domain",
            format!("`{domain}`: expected a DNS name such as api.qcloud.com"),
        ));
    }
    let every_module = every_module.map(Endpoint::parse).transpose()?;
    Endpoints::new(scheme, domain.to_owned(), every_module, per_module)
}

/// Renames the setting an `InvalidInput` error names (the value came from `parameter`).
pub(crate) fn naming(parameter: impl Into<String>) -> impl FnOnce(Error) -> Error {
    let parameter = parameter.into();
    move |e| match e {
        Error::InvalidInput { reason, .. } => Error::invalid_input(parameter, reason),
        other => other,
    }
}

impl Config {
    /// The endpoints from the environment (`TENCENTCLOUD_ENDPOINT`, `TENCENTCLOUD_DOMAIN`),
    /// else from the profile's `endpoint` and `domain`, unless the builder set any of
    /// endpoint, domain or scheme; per-module overrides always stay. A client does
    /// this when it is built; the values' sources are named in errors.
    pub fn with_endpoints_from(
        mut self,
        env_endpoint: Option<&str>,
        env_domain: Option<&str>,
        profile: Option<(&str, Option<&str>, Option<&str>)>,
    ) -> Result<Self, Error> {
        if self.endpoints_explicit {
            return Ok(self);
        }
        let per_module = std::mem::take(&mut self.endpoints.per_module);
        let (endpoint, domain, source) = if env_endpoint.is_some() || env_domain.is_some() {
            let source = if env_endpoint.is_some() {
                ENV_ENDPOINT
            } else {
                ENV_DOMAIN
            };
            (env_endpoint, env_domain, source.to_owned())
        } else if let Some((profile, endpoint, domain)) = profile {
            (endpoint, domain, format!("{profile}: endpoint/domain"))
        } else {
            (None, None, String::new())
        };
        self.endpoints = if endpoint.is_some() || domain.is_some() {
            endpoints_from(None, domain, endpoint, per_module).map_err(naming(source))?
        } else {
            Endpoints {
                per_module,
                ..self.endpoints
            }
        };
        Ok(self)
    }
}

// TLS trust settings (see `crate::trust`): kept in their own block.

impl Config {
    /// The extra root certificates, each as given to
    /// [`ConfigBuilder::add_root_certificates`] (PEM, unparsed: the transport parses them).
    pub fn root_certificates(&self) -> &[Vec<u8>] {
        &self.tls.root_certificates
    }
    /// Whether certificate checks are off ([`ConfigBuilder::danger_accept_invalid_certs`]).
    pub fn danger_accept_invalid_certs(&self) -> bool {
        self.tls.danger_accept_invalid_certs
    }
}

impl<C: FromConfig> ConfigBuilder<C> {
    /// Trusts the certificates in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks, e.g. a private cloud's CA) as roots, on top of the system's roots (or of
    /// `SSL_CERT_FILE`'s, which replace them). Calls add up. PEM that does not parse, or
    /// holds no certificate, is an [`Error::InvalidInput`] naming `add_root_certificates`
    /// when the client is built (core stores the bytes; the transport parses them).
    pub fn add_root_certificates(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.tls.root_certificates.push(pem.as_ref().to_vec());
        self
    }
    /// **Dangerous**: when `true`, any server certificate is accepted (expired,
    /// self-signed, for another host), so anyone on the path can read and change
    /// requests. For a throwaway test only; every client built with it logs a warning.
    /// Off by default. Like the roots, it is applied by the qcapi-ureq and qcapi-reqwest
    /// transports; one passed to `with_transport` or built from your own agent or
    /// client keeps its own TLS settings.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.danger_accept_invalid_certs = accept;
        self
    }
}

// Credential providers (see `crate::provider`): kept in their own block.

impl<C: FromConfig> ConfigBuilder<C> {
    /// Credentials from `provider` (refreshed by the client's cache), in place of
    /// the default chain.
    pub fn credentials_provider(
        mut self,
        provider: impl crate::provider::ProvideCredentials + 'static,
    ) -> Self {
        self.providers.provider = Some(Arc::new(provider));
        self
    }
    /// Assumes `arn` through STS `AssumeRole`, with the credentials the client would
    /// otherwise use (explicit, the chain's, or the instance role's) as the base.
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.providers.role_arn = Some(arn.into());
        self
    }
    /// The `RoleSessionName` of [`ConfigBuilder::role_arn`] (default `qcapi-<time>`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.providers.role_session_name = Some(name.into());
        self
    }
    /// Uses the CVM instance role's credentials, even when keys are in the
    /// environment or a profile.
    pub fn use_cvm_role(mut self, on: bool) -> Self {
        self.providers.use_cvm_role = on;
        self
    }
    /// The instance metadata service (default `http://metadata.tencentyun.com`, or
    /// `TENCENTCLOUD_METADATA_ENDPOINT`).
    pub fn metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        self.providers.metadata_endpoint = Some(url.into());
        self
    }
    /// The STS endpoint, a full URL (default `https://sts.tencentcloudapi.com/`, or
    /// `TENCENTCLOUD_STS_ENDPOINT`).
    pub fn sts_endpoint(mut self, url: impl Into<String>) -> Self {
        self.providers.sts_endpoint = Some(url.into());
        self
    }
    /// How long before they expire temporary credentials are refreshed (default
    /// 300 s; at most half their lifetime is used).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.providers.refresh_margin = margin;
        self
    }
}

impl Config {
    /// The credential provider settings.
    pub fn provider_settings(&self) -> &crate::provider::ProviderSettings {
        &self.providers
    }
}
