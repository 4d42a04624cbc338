//! qcapi's own HTTP request and response types: what core hands a transport and gets back.

use crate::HttpMethod;

/// Parameters whose values `Debug` never shows: the session token, and the
/// signature (a replayable credential within the freshness window).
pub(crate) fn is_secret_param(name: &str) -> bool {
    matches!(name, "Token" | "Signature")
}

/// A signed HTTP request, ready for any transport.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) method: HttpMethod,
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) string_to_sign: String,
}

impl HttpRequest {
    /// GET or POST.
    pub fn method(&self) -> HttpMethod {
        self.method
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
    /// The exact string that was signed, for debugging signature mismatches.
    /// It holds the raw parameter values, including a session token if one is set.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }
}

/// Replaces the values of secret parameters in a query string or form body.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => format!("{name}=<redacted>"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts the values of secret parameters wherever `Name=value` appears in free text.
pub(crate) fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for name in ["Token=", "Signature="] {
            if let Some(tail) = rest.strip_prefix(name) {
                let starts_param =
                    out.is_empty() || out.ends_with(['?', '&', ' ', '"', '\'', '\n']);
                if starts_param {
                    out.push_str(name);
                    out.push_str("<redacted>");
                    let end = tail
                        .find(['&', ' ', '"', '\'', '\n', ')'])
                        .unwrap_or(tail.len());
                    rest = &tail[end..];
                    continue 'scan;
                }
            }
        }
        let ch = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..ch]);
        rest = &rest[ch..];
    }
    out
}

/// Redacts the parameters after the first `?` (a URL, or a string to sign).
fn redact_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, query)) => format!("{base}?{}", redact_query(query)),
        None => url.to_owned(),
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &self.headers)
            .field("body", &redact_query(&body))
            .field("string_to_sign", &redact_url(&self.string_to_sign))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_secret_parameters_in_text() {
        fn check(input: &str, expected: &str) {
            assert_eq!(super::redact_text(input), expected, "{input}");
        }
        check(
            "GET http://h/p?a=1&Token=abc&b=2 failed",
            "GET http://h/p?a=1&Token=<redacted>&b=2 failed",
        );
        check("Signature=xyz%3D", "Signature=<redacted>");
        check("MyToken=keep", "MyToken=keep");
        check("名字 Token=秘密", "名字 Token=<redacted>");
    }
}

/// What came back: the status and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The body, unparsed.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            body: body.into(),
        }
    }
}
