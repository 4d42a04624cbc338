//! Reporting a failed call on stderr: the error, and for HTTP and decode errors
//! (and API errors with `-v`) the response body, redacted, escaped and truncated.
//!
//! [`shown_body`] is the one place that reads an error's body, and it reads only
//! its redacted form (`RawBody::redacted`).

use qcapi_core::Error;

use crate::stdio;
use crate::text::escape;

/// How much of a body is shown without `-v`.
const SHOWN_BYTES: usize = 512;

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
        Error::HttpStatus { body, .. } | Error::Decode { body, .. } => body,
        Error::Api(api) if verbose => &api.raw,
        _ => return None,
    };
    if raw.is_empty() {
        return Some("(empty)".to_owned());
    }
    let body = raw.redacted();
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

#[cfg(test)]
mod tests {
    use super::*;
    use qcapi_core::ApiError;

    fn http(body: &str) -> Error {
        Error::HttpStatus {
            status: 502,
            location: None,
            body: body.into(),
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
