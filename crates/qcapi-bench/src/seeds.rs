//! Starting inputs and a dictionary for the cargo-fuzz targets in `fuzz/`, derived
//! from the action specs so every output type and parameter is reachable at once.
//! `qcapi-load fuzz-seeds fuzz/corpus` writes them (see BENCHMARKS.md).
//!
//! Input layouts (the fuzz targets document the same):
//! - `parse_response`: `[action index, status selector, body...]`;
//! - `params_validate`: `[action index, mode, bytes...]`, mode bit 0 set: a JSON
//!   object flattened with `put_json`, clear: form-encoded pairs;
//! - `emulator_request`: `[mode, ...]`, mode % 3 = 0: raw HTTP bytes; 1: a correctly
//!   signed request `[_, action index, flags, form-encoded pairs...]`; 2: the same
//!   with a wrong signature.

use std::collections::BTreeSet;
use std::path::Path;

use qcapi_core::spec::{ActionSpec, FieldSpec, FieldType};
use qcapi_core::vpc::catalog::ACTIONS;
use serde_json::{Map, Value, json};

/// A sample value of one field: strings, numbers within range, one-element lists.
fn sample(field: &FieldSpec, quoted_numbers: bool) -> Value {
    let one = match field.ty {
        FieldType::Object => Value::Object(sample_object(field.fields, quoted_numbers)),
        _ if !field.allowed.is_empty() => Value::from(field.allowed[0]),
        FieldType::Integer => {
            let n = field
                .minimum
                .unwrap_or(1)
                .max(1)
                .min(field.maximum.unwrap_or(i64::MAX));
            if quoted_numbers {
                Value::from(n.to_string())
            } else {
                Value::from(n)
            }
        }
        FieldType::Float => Value::from(1.5),
        FieldType::Boolean => Value::from(true),
        FieldType::String | FieldType::Json => {
            Value::from("s".repeat(field.min_length.unwrap_or(1).max(1) as usize))
        }
    };
    if field.list {
        Value::Array(vec![one])
    } else {
        one
    }
}

fn sample_object(fields: &[FieldSpec], quoted_numbers: bool) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| (f.name.to_owned(), sample(f, quoted_numbers)))
        .collect()
}

/// A successful response to `spec` with every output field filled; with
/// `quirks`, `code` and numbers quoted as the documentation shows them.
pub fn response_body(spec: &ActionSpec, quirks: bool) -> Vec<u8> {
    let mut body = sample_object(spec.outputs, quirks);
    body.insert("code".into(), if quirks { json!("0") } else { json!(0) });
    body.insert("message".into(), json!(""));
    body.insert("codeDesc".into(), json!("Success"));
    serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
}

/// Every parameter of `spec` with a sample value, as a JSON object.
pub fn params_json(spec: &ActionSpec) -> Value {
    Value::Object(sample_object(spec.params, false))
}

/// Every parameter of `spec` with a sample value, flattened and form-encoded.
pub fn params_form(spec: &ActionSpec) -> String {
    let mut params = qcapi_core::Params::new();
    for (name, value) in sample_object(spec.params, false) {
        params.put_json(&name, &value);
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish()
}

/// Every distinct field name of every action, parameters and outputs, nested ones included.
pub fn field_names() -> BTreeSet<&'static str> {
    fn walk(fields: &'static [FieldSpec], into: &mut BTreeSet<&'static str>) {
        for f in fields {
            into.insert(f.name);
            walk(f.fields, into);
        }
    }
    let mut names = BTreeSet::new();
    for spec in ACTIONS {
        names.insert(spec.name);
        walk(spec.params, &mut names);
        walk(spec.outputs, &mut names);
    }
    names
}

/// A libFuzzer dictionary: JSON and form tokens, and every field name, quoted both ways.
pub fn dictionary() -> String {
    let mut out = String::new();
    for token in [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"",
        "null",
        "true",
        "false",
        "0",
        "-1",
        "1e400",
        "\"\"",
        "\\u0000",
        "\\ud800",
        "=",
        "&",
        "%",
        "+",
        ".0.",
        "code",
        "codeDesc",
        "message",
        "taskId",
        "data",
        "Signature",
        "SecretId",
        "Timestamp",
        "Nonce",
        "Action",
        "SignatureMethod",
        "HmacSHA256",
        "Region",
        "GET ",
        "POST ",
        "/v2/index.php",
        " HTTP/1.1\r\n",
        "Host: ",
        "Content-Length: ",
        "Transfer-Encoding: chunked\r\n",
        "\r\n\r\n",
    ] {
        out.push_str(&dict_entry(token));
    }
    for name in field_names() {
        out.push_str(&dict_entry(name));
        out.push_str(&dict_entry(&format!("\"{name}\":")));
    }
    out
}

/// One dictionary line: the token quoted, with `\\`, `\"` and `\xNN` the only escapes libFuzzer reads.
fn dict_entry(token: &str) -> String {
    let mut line = String::from("\"");
    for &b in token.as_bytes() {
        match b {
            b'\\' => line.push_str("\\\\"),
            b'"' => line.push_str("\\\""),
            0x20..=0x7e => line.push(char::from(b)),
            _ => line.push_str(&format!("\\x{b:02X}")),
        }
    }
    line.push_str("\"\n");
    line
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}

/// Writes the seed corpora of the three targets under `dir` (one folder per target)
/// and the dictionary `dir/qcapi.dict`. Returns how many inputs were written.
pub fn write_corpus(dir: &Path) -> std::io::Result<usize> {
    let mut count = 0;
    let mut put = |target: &str, name: String, bytes: Vec<u8>| {
        count += 1;
        write(&dir.join(target).join(name), &bytes)
    };
    for (i, spec) in ACTIONS.iter().enumerate() {
        let index = u8::try_from(i).unwrap_or(u8::MAX);
        for (quirks, label) in [(false, "plain"), (true, "quirks")] {
            let mut input = vec![index, 0];
            input.extend(response_body(spec, quirks));
            put("parse_response", format!("{}-{label}", spec.name), input)?;
        }
        let mut form = vec![index, 0];
        form.extend(params_form(spec).into_bytes());
        put("params_validate", format!("{}-form", spec.name), form)?;
        let mut json = vec![index, 1];
        json.extend(params_json(spec).to_string().into_bytes());
        put("params_validate", format!("{}-json", spec.name), json)?;
        for (mode, flags, label) in [(1u8, 0u8, "get"), (1, 1, "post"), (2, 0, "badsig")] {
            let mut input = vec![mode, index, flags];
            input.extend(params_form(spec).into_bytes());
            put("emulator_request", format!("{}-{label}", spec.name), input)?;
        }
    }
    let error = br#"{"code":4000,"codeDesc":"InvalidParameter","message":"bad"}"#;
    put(
        "parse_response",
        "error".into(),
        [&[0u8, 0][..], error].concat(),
    )?;
    let raw = b"GET /v2/index.php?Action=DescribeVpcEx&SecretId=x HTTP/1.1\r\nHost: h\r\n\r\n";
    put(
        "emulator_request",
        "raw-get".into(),
        [&[0u8][..], raw].concat(),
    )?;
    let post = b"POST /v2/index.php HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\nAction=x";
    put(
        "emulator_request",
        "raw-post".into(),
        [&[0u8][..], post].concat(),
    )?;
    write(&dir.join("qcapi.dict"), dictionary().as_bytes())?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_response_parses_typed() {
        for spec in ACTIONS {
            for quirks in [false, true] {
                let response = qcapi_core::HttpResponse::new(200, response_body(spec, quirks));
                let parsed = qcapi_core::vpc::catalog::parse_typed(spec.name, response);
                assert!(
                    matches!(parsed, Some(Ok(_))),
                    "{} (quirks {quirks}): {parsed:?}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn every_sample_request_validates() {
        for spec in ACTIONS {
            let mut params = qcapi_core::Params::new();
            if let Value::Object(map) = params_json(spec) {
                for (name, value) in &map {
                    params.put_json(name, value);
                }
            }
            assert_eq!(spec.validate(&params), Ok(()), "{}", spec.name);
        }
    }

    #[test]
    fn the_dictionary_is_one_quoted_token_per_line() {
        let dict = dictionary();
        assert!(dict.lines().all(|l| l.starts_with('"') && l.ends_with('"')));
        assert!(dict.contains("\"peeringConnectionId\""));
    }
}
