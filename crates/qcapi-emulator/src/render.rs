//! The response envelope (`code`, `message`, `codeDesc`) and the string-quirk rendering.

use serde_json::{Map, Value};

use crate::state::Failure;

/// The envelope's keys, which no output field may take.
const HEAD_NAMES: [&str; 3] = ["code", "message", "codeDesc"];

/// A success body: the envelope head, then the fields of `output`, a JSON object
/// as a typed output serializes (no spec names an output `code`, `message` or
/// `codeDesc`, so the fields cannot clash with the head).
pub(crate) fn success(output: &str, string_quirks: bool) -> String {
    let quoted;
    let output = if string_quirks {
        // Re-rendered with every number as text; a canned field named like a head
        // key is dropped.
        let mut fields: Map<String, Value> = serde_json::from_str(output).unwrap_or_default();
        fields.retain(|name, _| !HEAD_NAMES.contains(&name.as_str()));
        quoted = quote_numbers(Value::Object(fields)).to_string();
        &quoted
    } else {
        output
    };
    // A success's head is the envelope of code 0, `Success`.
    let head = failure(&Failure::new(0, "Success", ""), string_quirks);
    // Spliced, not rebuilt: the answer is rendered once, straight from the output.
    let inner = output
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
        .unwrap_or_default()
        .trim();
    match head.strip_suffix('}') {
        Some(open) if !inner.is_empty() => format!("{open},{inner}}}"),
        _ => head,
    }
}

/// An error body, `{"code":N,"message":"...","codeDesc":"Name"}`, its keys in
/// the service's order (serde_json's map would sort them); with the string
/// quirks the code is text too.
pub(crate) fn failure(failure: &Failure, string_quirks: bool) -> String {
    let code = match string_quirks {
        true => Value::from(failure.code.to_string()),
        false => Value::from(failure.code),
    };
    let message = Value::from(failure.message.as_str());
    let code_desc = Value::from(failure.code_desc.as_str());
    format!(r#"{{"code":{code},"message":{message},"codeDesc":{code_desc}}}"#)
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
