//! Redaction: which parameters are secret, masking them in text that quotes requests,
//! and [`RawBody`], a response body whose `Debug` and `Display` never show a secret.
//!
//! Redaction reads `name=value` (query or form text) and `"name": "value"` (JSON)
//! pairs and masks whole values by the pair's name: it never searches the text for
//! known secret values, and a name only counts when it starts at a boundary
//! (`MyToken=x` is not `Token`).

use std::borrow::Cow;
use std::fmt;

/// What a masked value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Whether a parameter's value is secret: `Token`, `Signature`, a parameter the
/// spec marks `secret = true` (such as `preSharedKey`), at any nesting depth
/// (`IKESet.0.preSharedKey`), or a secret of the credential services' answers
/// and requests (`TmpSecretKey`, `WebIdentityToken`).
pub fn is_secret_param(name: &str) -> bool {
    // The last segment of a flattened name (`vpnConnSet.0.preSharedKey`), found
    // with a byte scan: this runs for every parameter of every request.
    let last = name
        .bytes()
        .rposition(|b| b == b'.' || b == b'_')
        .map_or(name, |i| &name[i + 1..]);
    matches!(
        name,
        "Token" | "Signature" | "TmpSecretKey" | "WebIdentityToken"
    ) || crate::service::is_secret_field(last)
}

/// How a value is masked: wholly, or (the SecretId, as in tracing spans) all but
/// its first and last four characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mask {
    Whole,
    SecretId,
}

impl Mask {
    /// How values under `name` are masked, if they are.
    pub(crate) fn of(name: &str) -> Option<Self> {
        if is_secret_param(name) {
            Some(Self::Whole)
        } else if matches!(name, "SecretId" | "TmpSecretId") {
            Some(Self::SecretId)
        } else {
            None
        }
    }

    /// What `value` is shown as.
    pub(crate) fn apply(self, value: &str) -> Cow<'static, str> {
        match self {
            Self::Whole => Cow::Borrowed(REDACTED),
            Self::SecretId => Cow::Owned(crate::credentials::mask(value)),
        }
    }
}

/// What a value under `name` is shown as, masked (`Token`, `Signature` and secret
/// parameters wholly, the SecretId but for its ends); `None` for a value shown as it is.
pub fn masked(name: &str, value: &str) -> Option<Cow<'static, str>> {
    Mask::of(name).map(|mask| mask.apply(value))
}

/// Characters a parameter name is made of (`subnetSet.0.zoneId`, `Placement_Zone`).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// Where a value written after `=` in query-like text ends: query, form and
/// free-text delimiters (an echoed URL encodes `&` inside values as `%26`).
fn is_value_end(b: u8) -> bool {
    matches!(
        b,
        b'&' | b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b'<' | b'>' | b')' | b','
    )
}

/// Masks secret values in text that may quote a request: query strings, form
/// bodies, URLs, echoed requests, JSON objects. Everything else is kept as is.
///
/// ```
/// use qcapi_core::redact::redact_text;
/// assert_eq!(
///     redact_text("GET /v2/index.php?a=1&Token=t%26x&SecretId=AKIDabcdefgh1234"),
///     "GET /v2/index.php?a=1&Token=<redacted>&SecretId=AKID****1234",
/// );
/// assert_eq!(redact_text(r#"{"preSharedKey": "p\"sk", "MyToken=1"}"#),
///     r#"{"preSharedKey": "<redacted>", "MyToken=1"}"#);
/// ```
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Bytes before `copied` are already in `out` (or unchanged, while `out` is None).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || !is_name_byte(bytes[i - 1]);
        if !at_boundary || !is_name_byte(bytes[i]) {
            i += 1;
            continue;
        }
        // A name token, then `=value` or (JSON, when the token was quoted) `": "value"`.
        let start = i;
        while i < bytes.len() && is_name_byte(bytes[i]) {
            i += 1;
        }
        let name = &text[start..i];
        let quoted = start > 0 && bytes[start - 1] == b'"' && bytes.get(i) == Some(&b'"');
        let value = if bytes.get(i) == Some(&b'=') {
            let from = i + 1;
            let to = bytes[from..]
                .iter()
                .position(|&b| is_value_end(b))
                .map_or(bytes.len(), |n| from + n);
            Some((from, to))
        } else if quoted {
            json_string_value(bytes, i + 1)
        } else {
            None
        };
        let Some((from, to)) = value else { continue };
        if let Some(masked) = masked(name, &text[from..to]) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..from]);
            out.push_str(&masked);
            copied = to;
        }
        i = to.max(i);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The byte range of the string value in `: "value"` starting at `from` (just
/// after a quoted key), escapes included; `None` if no string value follows.
fn json_string_value(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if bytes.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut j = start;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return Some((start, j)),
            _ => j += 1,
        }
    }
    Some((start, bytes.len().max(start)))
}

/// A response body kept by an error or an output. `Debug` and `Display` show it
/// with secret values masked (see [`redact_text`]): a server or proxy that echoes
/// the request would otherwise put the token and signature into every printed error.
/// [`RawBody::expose`] gives the bytes as received, lossily decoded.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBody(String);

impl RawBody {
    /// A body from the bytes received (invalid UTF-8 is replaced).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(String::from_utf8_lossy(bytes).into_owned())
    }

    /// The body as received, secrets included. Never log this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The body with secret values masked, as `Debug` and `Display` show it.
    pub fn redacted(&self) -> Cow<'_, str> {
        redact_text(&self.0)
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for RawBody {
    fn from(body: String) -> Self {
        Self(body)
    }
}

impl From<&str> for RawBody {
    fn from(body: &str) -> Self {
        Self(body.to_owned())
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.redacted(), f)
    }
}

impl fmt::Display for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_pairs_by_name() {
        fn check(input: &str, expected: &str) {
            assert_eq!(redact_text(input), expected, "{input}");
        }
        check("", "");
        check("nothing secret here", "nothing secret here");
        check(
            "GET http://h/p?a=1&Token=abc&b=2 failed",
            "GET http://h/p?a=1&Token=<redacted>&b=2 failed",
        );
        check("Signature=xyz%3D", "Signature=<redacted>");
        check("MyToken=keep&xToken=keep", "MyToken=keep&xToken=keep");
        check("名字 Token=秘密 rest", "名字 Token=<redacted> rest");
        check("Token=", "Token=<redacted>");
        check(
            "preSharedKey=psk&IKESet.0.preSharedKey=psk2",
            "preSharedKey=<redacted>&IKESet.0.preSharedKey=<redacted>",
        );
        check("SecretId=AKIDabcdefgh1234", "SecretId=AKID****1234");
        check(
            r#"{"Token":"a\"b","x":"Token","Signature" : "s=="}"#,
            r#"{"Token":"<redacted>","x":"Token","Signature" : "<redacted>"}"#,
        );
        check(r#"{"Token": 12}"#, r#"{"Token": 12}"#);
        check(r#""Token":"unterminated"#, r#""Token":"<redacted>"#);
        check("<p>Token=abc</p>", "<p>Token=<redacted></p>");
        check("%26Token=abc", "%26Token=abc");
        check(
            r#"{"TmpSecretId":"AKIDabcdefgh1234","TmpSecretKey":"k","WebIdentityToken":"jwt"}"#,
            r#"{"TmpSecretId":"AKID****1234","TmpSecretKey":"<redacted>","WebIdentityToken":"<redacted>"}"#,
        );
    }

    #[test]
    fn raw_body_shows_only_redacted_text() {
        let body = RawBody::from("echo: GET /?Token=tok-secret&Signature=sig-secret");
        for shown in [format!("{body:?}"), body.to_string()] {
            assert!(
                !shown.contains("tok-secret") && !shown.contains("sig-secret"),
                "{shown}"
            );
            assert!(shown.contains("echo: GET"), "{shown}");
        }
        assert!(body.expose().contains("tok-secret"));
    }
}
