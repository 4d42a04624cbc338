//! Success responses built from an action's output spec, for actions without a stateful handler.
//!
//! Generic over `&[FieldSpec]` so every action the catalog gains answers
//! something well-typed without emulator changes.

use qcapi_core::Params;
use qcapi_core::spec::{FieldSpec, FieldType};
use serde_json::{Map, Value};

/// The text every placeholder string field carries.
pub(crate) const PLACEHOLDER: &str = "string";

/// A response body shaped like `fields`: strings `"string"`, numbers 0,
/// booleans `false`, lists empty, objects filled recursively, free JSON `null`.
pub(crate) fn placeholder(fields: &[FieldSpec]) -> Map<String, Value> {
    fields
        .iter()
        .map(|field| (field.name.to_owned(), placeholder_field(field)))
        .collect()
}

/// Puts the request's own values into `out` where an output field (at the top, or
/// inside a top-level object) has a parameter's name, as stripe-mock does: a
/// shape-only `ModifyX` answers the name it was sent. Values take the output
/// field's type; one that does not parse as it keeps the placeholder. Secret
/// fields (passwords, keys) are never echoed: an answer is printed and logged.
pub(crate) fn reflect(out: &mut Map<String, Value>, fields: &[FieldSpec], params: &Params) {
    for field in fields.iter().filter(|f| !f.list) {
        match out.get_mut(field.name) {
            Some(Value::Object(inner)) if field.ty == FieldType::Object => {
                for sub in field.fields.iter().filter(|f| !f.list) {
                    if let Some(value) = echoed(sub, params) {
                        inner.insert(sub.name.to_owned(), value);
                    }
                }
            }
            Some(slot) => {
                if let Some(value) = echoed(field, params) {
                    *slot = value;
                }
            }
            None => {}
        }
    }
}

/// The request's value for `field` as a JSON value of its type, unless the
/// field is secret or the value does not parse as that type.
fn echoed(field: &FieldSpec, params: &Params) -> Option<Value> {
    if field.secret || qcapi_core::redact::is_secret_param(field.name) {
        return None;
    }
    let text = params.get(field.name)?;
    match field.ty {
        FieldType::String => Some(Value::from(text)),
        FieldType::Integer => text.trim().parse::<i64>().ok().map(Value::from),
        FieldType::Float => text.trim().parse::<f64>().ok().map(Value::from),
        FieldType::Boolean => qcapi_core::params::parse_bool(text).map(Value::Bool),
        FieldType::Json | FieldType::Object => None,
    }
}

fn placeholder_field(field: &FieldSpec) -> Value {
    if field.list {
        return Value::Array(Vec::new());
    }
    match field.ty {
        FieldType::String => Value::String(PLACEHOLDER.to_owned()),
        FieldType::Integer => Value::from(0),
        FieldType::Float => Value::from(0.0),
        FieldType::Boolean => Value::Bool(false),
        FieldType::Json => Value::Null,
        FieldType::Object => Value::Object(placeholder(field.fields)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const fn field(name: &'static str, ty: FieldType, list: bool) -> FieldSpec {
        let field = FieldSpec::new(name, ty, "");
        if list { field.list() } else { field }
    }

    fn check(fields: &[FieldSpec], expected: Value) {
        assert_eq!(Value::Object(placeholder(fields)), expected);
    }

    #[test]
    fn shapes_follow_the_spec() {
        check(&[], json!({}));
        check(
            &[
                field("name", FieldType::String, false),
                field("count", FieldType::Integer, false),
                field("ratio", FieldType::Float, false),
                field("on", FieldType::Boolean, false),
                field("extra", FieldType::Json, false),
                field("ids", FieldType::String, true),
            ],
            json!({"name": "string", "count": 0, "ratio": 0.0, "on": false, "extra": null, "ids": []}),
        );
        const INNER: &[FieldSpec] = &[field("status", FieldType::Integer, false)];
        let mut data = field("data", FieldType::Object, false);
        data.fields = INNER;
        let mut set = field("set", FieldType::Object, true);
        set.fields = INNER;
        check(&[data, set], json!({"data": {"status": 0}, "set": []}));
    }

    #[test]
    fn shapes_reflect_the_request_where_names_match() {
        fn check(fields: &[FieldSpec], pairs: &[(&str, &str)], expected: Value) {
            let mut out = placeholder(fields);
            let params: Params = pairs.iter().copied().collect();
            reflect(&mut out, fields, &params);
            assert_eq!(Value::Object(out), expected, "{pairs:?}");
        }
        const INNER: &[FieldSpec] = &[
            field("natName", FieldType::String, false),
            field("maxConcurrent", FieldType::Integer, false),
        ];
        let mut data = field("data", FieldType::Object, false);
        data.fields = INNER;
        let fields = [
            field("natName", FieldType::String, false),
            field("bandwidth", FieldType::Integer, false),
            field("ids", FieldType::String, true),
            data,
        ];
        check(
            &fields,
            &[
                ("natName", "n1"),
                ("bandwidth", "20"),
                ("ids", "x"),
                ("maxConcurrent", "3"),
            ],
            json!({"natName": "n1", "bandwidth": 20, "ids": [], "data": {"natName": "n1", "maxConcurrent": 3}}),
        );
        // A secret is never echoed.
        let secret = [field("preSharedKey", FieldType::String, false).secret()];
        check(
            &secret,
            &[("preSharedKey", "psk")],
            json!({"preSharedKey": "string"}),
        );
        // A value that is not of the output's type keeps the placeholder.
        check(
            &fields,
            &[("bandwidth", "lots")],
            json!({"natName": "string", "bandwidth": 0, "ids": [], "data": {"natName": "string", "maxConcurrent": 0}}),
        );
    }

    #[test]
    fn every_catalog_action_has_a_shape() {
        for spec in qcapi_core::vpc::catalog::ACTIONS {
            let shape = placeholder(spec.outputs);
            assert_eq!(shape.len(), spec.outputs.len(), "{}", spec.name);
        }
    }
}
