//! qcapi's own HTTP request and response types: what core hands a transport and gets back.

use crate::HttpMethod;
use crate::redact::redact_text;

/// Where a request goes, which decides how a transport sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Route {
    /// An API (the legacy endpoint, STS): the client's timeouts, proxy and size limit.
    #[default]
    Api,
    /// The instance's metadata service, on the local network: never through a proxy,
    /// connected within [`METADATA_CONNECT_TIMEOUT`](crate::provider::METADATA_CONNECT_TIMEOUT),
    /// answered within [`METADATA_TIMEOUT`](crate::provider::METADATA_TIMEOUT), at most
    /// [`METADATA_MAX_BODY`](crate::provider::METADATA_MAX_BODY) bytes.
    Metadata,
}

/// An HTTP request, ready for any transport: method, URL, headers, body, and
/// where it goes. Nothing else: what was signed stays with [`SignedRequest`].
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) method: HttpMethod,
    pub(crate) route: Route,
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

/// A signed request and the exact string that was signed, for inspection and
/// debugging (`--dry-run`, signature mismatches). Transports get only the
/// [`HttpRequest`] ([`SignedRequest::into_http`]); it derefs to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub(crate) http: HttpRequest,
    pub(crate) string_to_sign: String,
    /// Where secret values sit in `string_to_sign` (raw values may hold `&` or `=`,
    /// so its text cannot be split into pairs reliably), and what `Debug` shows instead.
    pub(crate) string_to_sign_masked: Vec<(std::ops::Range<usize>, crate::redact::Mask)>,
}

impl SignedRequest {
    /// The exact string that was signed, for debugging signature mismatches.
    /// It holds the raw parameter values, including a session token if one is set.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The HTTP request.
    pub fn http(&self) -> &HttpRequest {
        &self.http
    }

    /// The HTTP request, for a transport.
    pub fn into_http(self) -> HttpRequest {
        self.http
    }

    /// The string to sign with every secret value masked.
    fn redacted_string_to_sign(&self) -> String {
        let mut out = String::with_capacity(self.string_to_sign.len());
        let mut copied = 0;
        for (range, mask) in &self.string_to_sign_masked {
            out.push_str(&self.string_to_sign[copied..range.start]);
            out.push_str(&mask.apply(&self.string_to_sign[range.clone()]));
            copied = range.end;
        }
        out.push_str(&self.string_to_sign[copied..]);
        out
    }
}

impl std::ops::Deref for SignedRequest {
    type Target = HttpRequest;
    fn deref(&self) -> &HttpRequest {
        &self.http
    }
}

impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedRequest")
            .field("http", &self.http)
            .field("string_to_sign", &self.redacted_string_to_sign())
            .finish()
    }
}

impl HttpRequest {
    /// GET or POST.
    pub fn method(&self) -> HttpMethod {
        self.method
    }
    /// Where it goes: an API, or the metadata service (no proxy, short timeouts).
    pub fn route(&self) -> Route {
        self.route
    }
    /// The full URL; for GET it carries every parameter, percent-encoded.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// Headers to send (e.g. `Content-Type` for POST). Transports add Host themselves.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }
    /// The body: empty for GET, the form-encoded parameters for POST.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl HttpRequest {
    /// An unsigned request (a provider's).
    pub(crate) fn unsigned(
        method: HttpMethod,
        route: Route,
        url: String,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Self {
        Self {
            method,
            route,
            url,
            headers,
            body,
        }
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("route", &self.route)
            // URL and body are form-encoded: a value never holds a raw `&` or `=`.
            .field("url", &redact_text(&self.url))
            .field("headers", &self.headers)
            .field("body", &redact_text(&body))
            .finish()
    }
}

/// What came back: the status, the whole body and, for a redirect, where it pointed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The body, unparsed.
    pub body: Vec<u8>,
    /// The `Location` header of a 3xx answer (never followed: a redirect is an error).
    pub location: Option<String>,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            body: body.into(),
            location: None,
        }
    }

    /// The same response with a `Location` header.
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}
