//! Making text from the service safe for a terminal: control characters and
//! bidirectional overrides are escaped, never written raw.
//!
//! A VPC or peering name is the API user's (or a peer's) choice; raw, an ESC in
//! it can retitle the window or clear the screen, a CR or a bidi override can
//! make one line read as another.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal raw: C0 controls, DEL, C1 controls,
/// and the bidi embeddings/overrides/isolates U+202A–U+202E, U+2066–U+2069.
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character escaped: `\t`, `\n`, `\r`, other C0 and
/// DEL as `\x1b`, C1 and bidi characters as `\u{9b}`, `\u{202e}`. With
/// `keep_newlines`, `\n` and `\t` stay as they are (a multi-line body on stderr).
pub fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let safe = |c: char| !is_unsafe(c) || (keep_newlines && matches!(c, '\n' | '\t'));
    let Some(first) = text.find(|c| !safe(c)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
            c if safe(c) => out.push(c),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON with the unsafe characters serde_json leaves raw (DEL, C1,
/// bidi) written as `\uXXXX` escapes: the same JSON value, safe on a terminal.
/// (serde_json already escapes C0; these can only occur inside strings.)
pub fn escape_json(json: String) -> String {
    // C0 outside strings is the pretty printer's own whitespace.
    let raw = |c: char| (is_unsafe(c) && !c.is_ascii_control()) || c == '\x7f';
    if !json.contains(raw) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_for_a_terminal() {
        fn check(input: &str, expected: &str) {
            assert_eq!(escape(input, false), expected, "{input:?}");
        }
        check("vpc-1", "vpc-1");
        check("测试 name", "测试 name");
        check("\x1b]0;owned\x07", "\\x1b]0;owned\\x07");
        check("\x1b[2J", "\\x1b[2J");
        check("a\rb\nc\td", "a\\rb\\nc\\td");
        check("\0\x7f", "\\x00\\x7f");
        check("\u{9b}31m", "\\u{9b}31m");
        check("\u{85}", "\\u{85}");
        check("abc\u{202e}fed", "abc\\u{202e}fed");
        check("\u{202a}\u{2066}\u{2069}", "\\u{202a}\\u{2066}\\u{2069}");
        // Neighbours of the ranges stay.
        check(
            "\u{a0}\u{2029}\u{202f}\u{2065}\u{206a}",
            "\u{a0}\u{2029}\u{202f}\u{2065}\u{206a}",
        );
    }

    #[test]
    fn newlines_may_be_kept() {
        fn check(input: &str, expected: &str) {
            assert_eq!(escape(input, true), expected, "{input:?}");
        }
        check("<html>\n\t<b>502</b>\r\n", "<html>\n\t<b>502</b>\\r\n");
        check("\x1b[31mred", "\\x1b[31mred");
    }

    #[test]
    fn json_keeps_its_value() {
        fn check(input: serde_json::Value, expected: &str) {
            let text = escape_json(input.to_string());
            assert_eq!(text, expected);
            let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
            assert_eq!(back, input);
        }
        check(serde_json::json!({"a": "x"}), r#"{"a":"x"}"#);
        check(
            serde_json::json!({"a": "\x1b\u{9b}\u{202e}\x7f"}),
            r#"{"a":"\u001b\u009b\u202e\u007f"}"#,
        );
        check(serde_json::json!({"\u{2066}k": 1}), r#"{"\u2066k":1}"#);
        let pretty =
            serde_json::to_string_pretty(&serde_json::json!({"a": "\u{202e}"})).expect("JSON");
        assert_eq!(escape_json(pretty), "{\n  \"a\": \"\\u202e\"\n}");
    }
}
