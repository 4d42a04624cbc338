//! The response envelope (`code`, `message`, `codeDesc`) and the string-quirk rendering.

use serde_json::{Map, Value};

use crate::state::Failure;

/// A success body: the envelope head, then the fields of `output`, a JSON object
/// as a typed output serializes (no spec names an output `code`, `message` or
/// `codeDesc`, so the fields cannot clash with the head).
pub(crate) fn success(output: &str, string_quirks: bool) -> String {
    const HEAD: &str = r#"{"code":0,"message":"","codeDesc":"Success""#;
    if string_quirks {
        let fields = match serde_json::from_str(output) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let head = [
            ("code", Value::from(0)),
            ("message", Value::from("")),
            ("codeDesc", Value::from("Success")),
        ];
        return envelope(&head, fields, true);
    }
    // Spliced, not rebuilt: the answer is rendered once, straight from the output.
    let inner = output
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
        .unwrap_or_default()
        .trim();
    let mut body = String::with_capacity(HEAD.len() + inner.len() + 2);
    body.push_str(HEAD);
    if !inner.is_empty() {
        body.push(',');
        body.push_str(inner);
    }
    body.push('}');
    body
}

/// An error body: `{"code":N,"message":"...","codeDesc":"Name"}`.
pub(crate) fn failure(failure: &Failure, string_quirks: bool) -> String {
    let head = [
        ("code", Value::from(failure.code)),
        ("message", Value::from(failure.message.as_str())),
        ("codeDesc", Value::from(failure.code_desc.as_str())),
    ];
    envelope(&head, Map::new(), string_quirks)
}

/// Writes the head keys first, in order, so bodies read like the service's
/// (serde_json's map would sort them), then the remaining fields.
fn envelope(head: &[(&str, Value)], fields: Map<String, Value>, string_quirks: bool) -> String {
    let mut out = String::from("{");
    let head_names: Vec<&str> = head.iter().map(|(name, _)| *name).collect();
    let rest = fields
        .into_iter()
        .filter(|(name, _)| !head_names.contains(&name.as_str()));
    let entries = head
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .chain(rest);
    for (i, (name, value)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = if string_quirks {
            quote_numbers(value)
        } else {
            value
        };
        out.push_str(&Value::from(name).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push('}');
    out
}

/// Turns every JSON number into its text, recursively, as Tencent's doc examples
/// show them (`"code":"0"`, `"totalCount":"2"`).
pub(crate) fn quote_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(quote_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, quote_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_success(body: Value, quirks: bool, expected: &str) {
        assert_eq!(success(&body.to_string(), quirks), expected);
    }

    #[test]
    fn success_envelopes() {
        check_success(
            json!({}),
            false,
            r#"{"code":0,"message":"","codeDesc":"Success"}"#,
        );
        check_success(
            json!({"taskId": 7}),
            false,
            r#"{"code":0,"message":"","codeDesc":"Success","taskId":7}"#,
        );
        check_success(
            json!({"totalCount": 2, "data": [{"state": 1, "name": "x", "on": true}], "r": 0.5}),
            true,
            r#"{"code":"0","message":"","codeDesc":"Success","data":[{"name":"x","on":true,"state":"1"}],"r":"0.5","totalCount":"2"}"#,
        );
    }

    #[test]
    fn no_output_field_clashes_with_the_envelope() {
        for spec in qcapi_core::vpc::catalog::ACTIONS {
            for field in spec.outputs {
                assert!(
                    !["code", "message", "codeDesc"].contains(&field.name),
                    "{}: {}",
                    spec.name,
                    field.name
                );
            }
        }
    }

    #[test]
    fn error_envelopes() {
        fn check(f: Failure, quirks: bool, expected: &str) {
            assert_eq!(failure(&f, quirks), expected);
        }
        check(
            Failure::new(4100, "AuthFailure", "bad \"sig\""),
            false,
            r#"{"code":4100,"message":"bad \"sig\"","codeDesc":"AuthFailure"}"#,
        );
        check(
            Failure::business_name("InvalidVpc.NotFound", "no"),
            true,
            r#"{"code":"5000","message":"no","codeDesc":"InvalidVpc.NotFound"}"#,
        );
    }
}
