//! Reporting a failed call on stderr: the error, and for HTTP and decode errors
//! (and API errors with `-v`) the response body, redacted, escaped and truncated.
//!
//! [`shown_body`] is the one place that reads an error's body. qcapi-core is
//! turning error bodies into a redacting type; when it lands, only that function
//! (and [`redact`], then redundant) changes.

use qcapi_core::Error;

use crate::stdio;
use crate::text::escape;

/// How much of a body is shown without `-v`.
const SHOWN_BYTES: usize = 512;

/// Parameter names whose values are never shown, in `name=value` or JSON
/// `"name":"value"` form: a proxy's error page may echo the signed URL, a
/// misbehaving server the request. Matched exactly (case-sensitive), like the wire names.
const SECRET_NAMES: &[&str] = &[
    "Signature",
    "Token",
    "SecretKey",
    "secretKey",
    "secret_key",
    "preSharedKey",
];

/// Prints `e` on stderr: an API error as its `code`, `codeDesc` and `message`,
/// anything else by its `Display` (which never includes a secret), then the body
/// when [`shown_body`] gives one. Text from the service is escaped.
pub fn report_error(e: &Error, verbose: bool) {
    let mut text = match e.api() {
        Some(api) => format!(
            "error: {} failed\ncode: {}\ncodeDesc: {}\nmessage: {}",
            escape(&api.action, false),
            api.code,
            escape(api.code_desc.as_deref().unwrap_or(""), false),
            escape(&api.message, false),
        ),
        None => format!("error: {}", escape(&e.to_string(), false)),
    };
    if let Some(body) = shown_body(e, verbose) {
        text.push_str("\nbody: ");
        text.push_str(&body);
    }
    stdio::errln(&text);
}

/// The response body to show with `e`, redacted, escaped for the terminal and,
/// unless `verbose`, cut to its first 512 bytes (at a character boundary) with a
/// note of how much was left out. HTTP status and decode errors always show it;
/// API errors only with `-v` (their code, codeDesc and message are already shown).
pub fn shown_body(e: &Error, verbose: bool) -> Option<String> {
    let raw = match e {
        Error::HttpStatus { body, .. } | Error::Decode { body, .. } => body.as_str(),
        Error::Api(api) if verbose => api.raw.as_str(),
        _ => return None,
    };
    if raw.is_empty() {
        return Some("(empty)".to_owned());
    }
    let body = redact(raw);
    if verbose || body.len() <= SHOWN_BYTES {
        return Some(escape(&body, true).into_owned());
    }
    let mut cut = SHOWN_BYTES;
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(format!(
        "{}… ({} more bytes; -v shows all)",
        escape(&body[..cut], true),
        body.len() - cut
    ))
}

/// `text` with the value of every [`SECRET_NAMES`] parameter replaced by
/// `<redacted>`: `name=value` up to `&`, whitespace, a quote or `<`, and JSON
/// `"name": "value"` up to the closing quote.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        for name in SECRET_NAMES {
            let Some(tail) = rest.strip_prefix(name) else {
                continue;
            };
            // Only a whole name: not `MyToken=`.
            let boundary = out
                .chars()
                .next_back()
                .is_none_or(|p| !(p.is_alphanumeric() || p == '_'));
            if !boundary {
                continue;
            }
            if let Some(value) = tail.strip_prefix('=') {
                let end = value
                    .find(|c: char| {
                        c == '&' || c == '"' || c == '\'' || c == '<' || c.is_whitespace()
                    })
                    .unwrap_or(value.len());
                out.push_str(name);
                out.push_str("=<redacted>");
                rest = &value[end..];
                continue 'scan;
            }
            if out.ends_with('"') {
                if let Some(value) = json_string_value(tail) {
                    out.push_str(name);
                    out.push_str(&tail[..value.start]);
                    out.push_str("<redacted>");
                    rest = &tail[value.end..];
                    continue 'scan;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// For `tail` following a JSON key's name (`": "value"...`), the byte range of
/// the value's characters between its quotes.
fn json_string_value(tail: &str) -> Option<std::ops::Range<usize>> {
    let after_key = tail.strip_prefix('"')?;
    let colon = after_key.trim_start().strip_prefix(':')?;
    let value = colon.trim_start().strip_prefix('"')?;
    let start = tail.len() - value.len();
    // The closing quote: the first one not escaped by a backslash.
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(start..start + i),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use qcapi_core::ApiError;

    #[test]
    fn secrets_are_redacted() {
        fn check(input: &str, expected: &str) {
            assert_eq!(redact(input), expected, "{input}");
        }
        check("plain <html>", "plain <html>");
        check(
            "GET /v2/index.php?a=1&Signature=abc%3D&Token=t0k&b=2",
            "GET /v2/index.php?a=1&Signature=<redacted>&Token=<redacted>&b=2",
        );
        check(
            "<a href=\"/x?Token=t0k\">",
            "<a href=\"/x?Token=<redacted>\">",
        );
        check("preSharedKey=hunter2 next", "preSharedKey=<redacted> next");
        check(
            r#"{"preSharedKey": "hun\"ter2", "x": 1}"#,
            r#"{"preSharedKey": "<redacted>", "x": 1}"#,
        );
        check(r#"{"Token":"abc"}"#, r#"{"Token":"<redacted>"}"#);
        check("MyToken=keep", "MyToken=keep");
        check("Tokens=keep", "Tokens=keep");
        check("Token", "Token");
        check(r#"{"Token": 5}"#, r#"{"Token": 5}"#);
        check(r#"{"Token": "unterminated"#, r#"{"Token": "unterminated"#);
        check("名字 Token=秘密", "名字 Token=<redacted>");
        check("Signature=", "Signature=<redacted>");
    }

    fn http(body: &str) -> Error {
        Error::HttpStatus {
            status: 502,
            body: body.to_owned(),
        }
    }

    #[test]
    fn bodies_shown() {
        fn check(e: &Error, verbose: bool, expected: Option<&str>) {
            assert_eq!(shown_body(e, verbose).as_deref(), expected, "{e:?}");
        }
        check(
            &http("<h1>Bad Gateway</h1>\n"),
            false,
            Some("<h1>Bad Gateway</h1>\n"),
        );
        check(&http(""), false, Some("(empty)"));
        check(&http("\x1b]0;x\x07"), false, Some("\\x1b]0;x\\x07"));
        check(
            &Error::Decode {
                reason: "not JSON".into(),
                body: "oops Signature=s3cr3t".into(),
            },
            false,
            Some("oops Signature=<redacted>"),
        );
        let api = Error::Api(Box::new(ApiError {
            action: "A".into(),
            code: 4000,
            code_desc: None,
            message: "m".into(),
            raw: r#"{"code":4000}"#.into(),
        }));
        check(&api, false, None);
        check(&api, true, Some(r#"{"code":4000}"#));
        check(&Error::invalid_input("x", "y"), true, None);

        // Long bodies: 512 bytes, cut at a character boundary, unless -v.
        let long = "é".repeat(400); // 800 bytes
        let shown = shown_body(&http(&long), false).expect("a body");
        assert_eq!(
            shown,
            format!("{}… (288 more bytes; -v shows all)", "é".repeat(256))
        );
        let shown = shown_body(&http(&format!("a{long}")), false).expect("a body");
        assert!(
            shown.starts_with(&format!("a{}…", "é".repeat(255))),
            "{shown}"
        );
        assert!(shown.ends_with("(290 more bytes; -v shows all)"), "{shown}");
        assert_eq!(shown_body(&http(&long), true), Some(long.clone()));
        // Redacted before cutting: a secret straddling byte 512 is still hidden.
        let straddling = format!("{}Token=abcdefghijklmnop", "x".repeat(505));
        let shown = shown_body(&http(&straddling), false).expect("a body");
        assert!(!shown.contains("abcdefg"), "{shown}");
    }
}
