//! The response envelope (`code`, `message`, `codeDesc`) and the string-quirk rendering.

use serde_json::{Map, Value};

use crate::state::ApiFailure;

/// A success body: the envelope head, then `fields` (which cannot override the head).
pub(crate) fn success(fields: Map<String, Value>, string_quirks: bool) -> String {
    let head = [
        ("code", Value::from(0)),
        ("message", Value::from("")),
        ("codeDesc", Value::from("Success")),
    ];
    envelope(&head, fields, string_quirks)
}

/// An error body: `{"code":N,"message":"...","codeDesc":"Name"}`.
pub(crate) fn failure(failure: &ApiFailure, string_quirks: bool) -> String {
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

    fn fields(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test fields are objects"),
        }
    }

    fn check_success(body: Value, quirks: bool, expected: &str) {
        assert_eq!(success(fields(body), quirks), expected);
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
        // A handler cannot override the envelope.
        check_success(
            json!({"code": 9, "x": null}),
            false,
            r#"{"code":0,"message":"","codeDesc":"Success","x":null}"#,
        );
    }

    #[test]
    fn error_envelopes() {
        fn check(f: ApiFailure, quirks: bool, expected: &str) {
            assert_eq!(failure(&f, quirks), expected);
        }
        check(
            ApiFailure::new(4100, "AuthFailure", "bad \"sig\""),
            false,
            r#"{"code":4100,"message":"bad \"sig\"","codeDesc":"AuthFailure"}"#,
        );
        check(
            ApiFailure::business("InvalidVpc.NotFound", "no"),
            true,
            r#"{"code":"5000","message":"no","codeDesc":"InvalidVpc.NotFound"}"#,
        );
    }
}
