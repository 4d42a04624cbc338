//! Success responses built from an action's output spec, for actions without a stateful handler.
//!
//! Generic over `&[FieldSpec]` so every action the catalog gains answers
//! something well-typed without emulator changes.

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
    fn every_catalog_action_has_a_shape() {
        for spec in qcapi_core::vpc::catalog::ACTIONS {
            let shape = placeholder(spec.outputs);
            assert_eq!(shape.len(), spec.outputs.len(), "{}", spec.name);
        }
    }
}
