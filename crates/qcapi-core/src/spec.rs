//! Runtime metadata of actions, generated from spec/, and the one parameter validator
//! that both the clients (before sending) and the emulator (on receipt) use.
//!
//! Generated code (and tests) build the metadata with `const fn` constructors that
//! start from the common case and chain only what differs, so a plain field is one
//! call:
//!
//! ```
//! use qcapi_core::spec::{ActionSpec, FieldSpec};
//!
//! const ZONE: FieldSpec = FieldSpec::integer("zoneId", "Availability zone.").required();
//! const SPEC: ActionSpec = ActionSpec::new("CreateThing", "vpc", "misc", "Creates a thing.")
//!     .params(&[
//!         FieldSpec::string("name", "Its name.").required().length(1, 60),
//!         FieldSpec::object("items", "What it holds.").list().fields(&[ZONE]),
//!     ])
//!     .errors(&["InvalidVpc.NotFound"]);
//! assert!(SPEC.params[1].list && SPEC.params[1].fields[0].required);
//! ```

use crate::Params;
use crate::params::ParamReader;

/// The JSON or wire type of a parameter or output field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// `true`/`false` (the validator also accepts `0`/`1`).
    Boolean,
    /// A decimal number.
    Float,
    /// Any JSON; undocumented shapes.
    Json,
    /// An object with [`FieldSpec::fields`].
    Object,
}

/// One parameter or output field of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The wire name, exactly as the API spells it.
    pub name: &'static str,
    /// The element type.
    pub ty: FieldType,
    /// Whether it is an array (`name.N` on the wire).
    pub list: bool,
    /// Whether it must be present.
    pub required: bool,
    /// Whether the documentation describes it (`false`: known only from the official CLI).
    pub documented: bool,
    /// A password or key: masked wherever tokens and signatures are.
    pub secret: bool,
    /// Shortest allowed length in characters.
    pub min_length: Option<u32>,
    /// Longest allowed length in characters.
    pub max_length: Option<u32>,
    /// Smallest allowed integer.
    pub minimum: Option<i64>,
    /// Largest allowed integer.
    pub maximum: Option<i64>,
    /// The allowed values, if restricted.
    pub allowed: &'static [&'static str],
    /// Fields of an object.
    pub fields: &'static [FieldSpec],
    /// What it means.
    pub doc: &'static str,
}

/// One action of the legacy API, as spec/ describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    /// The wire name.
    pub name: &'static str,
    /// The module that serves it (`vpc`): its host is `<service>.<domain>`.
    pub service: &'static str,
    /// The resource family, e.g. `peering`.
    pub family: &'static str,
    /// One-line purpose.
    pub summary: &'static str,
    /// Safe to send again after it may have reached the server.
    pub idempotent: bool,
    /// Returns a `taskId` to poll with DescribeVpcTaskResult.
    pub asynchronous: bool,
    /// Whether the documentation describes it (`false`: known only by name and CLI parameters).
    pub documented: bool,
    /// The action's own parameters.
    pub params: &'static [FieldSpec],
    /// The fields of a successful response (besides `code` and `message`).
    pub outputs: &'static [FieldSpec],
    /// The business error codes (`codeDesc` values) it can return.
    pub errors: &'static [&'static str],
}

impl FieldSpec {
    /// An optional, single, documented field of type `ty` with no constraints.
    pub const fn new(name: &'static str, ty: FieldType, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            list: false,
            required: false,
            documented: true,
            secret: false,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            allowed: &[],
            fields: &[],
            doc,
        }
    }

    /// A text field.
    pub const fn string(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, FieldType::String, doc)
    }

    /// A whole-number field.
    pub const fn integer(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, FieldType::Integer, doc)
    }

    /// A `true`/`false` field.
    pub const fn boolean(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, FieldType::Boolean, doc)
    }

    /// A decimal-number field.
    pub const fn float(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, FieldType::Float, doc)
    }

    /// A field of any JSON shape.
    pub const fn json(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, FieldType::Json, doc)
    }

    /// An object field; give its fields with [`FieldSpec::fields`].
    pub const fn object(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, FieldType::Object, doc)
    }

    /// An array of such values (`name.N` on the wire).
    pub const fn list(self) -> Self {
        Self { list: true, ..self }
    }

    /// Must be present.
    pub const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    /// Known only from the official CLI, not from the documentation.
    pub const fn undocumented(self) -> Self {
        Self {
            documented: false,
            ..self
        }
    }

    /// A password or key, masked wherever tokens and signatures are.
    pub const fn secret(self) -> Self {
        Self {
            secret: true,
            ..self
        }
    }

    /// At least `min` characters.
    pub const fn min_length(self, min: u32) -> Self {
        Self {
            min_length: Some(min),
            ..self
        }
    }

    /// At most `max` characters.
    pub const fn max_length(self, max: u32) -> Self {
        Self {
            max_length: Some(max),
            ..self
        }
    }

    /// Between `min` and `max` characters.
    pub const fn length(self, min: u32, max: u32) -> Self {
        self.min_length(min).max_length(max)
    }

    /// An integer of at least `min`.
    pub const fn minimum(self, min: i64) -> Self {
        Self {
            minimum: Some(min),
            ..self
        }
    }

    /// An integer of at most `max`.
    pub const fn maximum(self, max: i64) -> Self {
        Self {
            maximum: Some(max),
            ..self
        }
    }

    /// An integer between `min` and `max`.
    pub const fn range(self, min: i64, max: i64) -> Self {
        self.minimum(min).maximum(max)
    }

    /// Only these values are accepted.
    pub const fn allowed(self, values: &'static [&'static str]) -> Self {
        Self {
            allowed: values,
            ..self
        }
    }

    /// The fields of an object.
    pub const fn fields(self, fields: &'static [FieldSpec]) -> Self {
        Self { fields, ..self }
    }
}

/// A parameter that breaks its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParam {
    /// The flat wire name, e.g. `subnetSet.0.zoneId`.
    pub parameter: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for InvalidParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid parameter `{}`: {}", self.parameter, self.reason)
    }
}

fn invalid(parameter: &str, reason: impl Into<String>) -> InvalidParam {
    InvalidParam {
        parameter: parameter.to_owned(),
        reason: reason.into(),
    }
}

impl ActionSpec {
    /// A synchronous, non-idempotent, documented action without parameters, outputs
    /// or business codes; chain what differs.
    pub const fn new(
        name: &'static str,
        service: &'static str,
        family: &'static str,
        summary: &'static str,
    ) -> Self {
        Self {
            name,
            service,
            family,
            summary,
            idempotent: false,
            asynchronous: false,
            documented: true,
            params: &[],
            outputs: &[],
            errors: &[],
        }
    }

    /// Safe to send again.
    pub const fn idempotent(self) -> Self {
        Self {
            idempotent: true,
            ..self
        }
    }

    /// Returns a `taskId` to poll.
    pub const fn asynchronous(self) -> Self {
        Self {
            asynchronous: true,
            ..self
        }
    }

    /// Known only by name and CLI parameters.
    pub const fn undocumented(self) -> Self {
        Self {
            documented: false,
            ..self
        }
    }

    /// Its parameters.
    pub const fn params(self, params: &'static [FieldSpec]) -> Self {
        Self { params, ..self }
    }

    /// The fields of its successful response.
    pub const fn outputs(self, outputs: &'static [FieldSpec]) -> Self {
        Self { outputs, ..self }
    }

    /// The business codes it documents, by wire name.
    pub const fn errors(self, errors: &'static [&'static str]) -> Self {
        Self { errors, ..self }
    }

    /// Checks flat parameters against the spec: required parameters present,
    /// values of the right type, lengths, ranges and allowed values respected.
    /// Parameters the spec does not know are left alone (the service ignores them).
    pub fn validate(&self, params: &Params) -> Result<(), InvalidParam> {
        self.validate_sorted(&ParamReader::new(params))
    }

    /// [`validate`](Self::validate) over parameters already sorted for lookups
    /// (the server side reads them into a request afterwards).
    pub fn validate_sorted(&self, flat: &ParamReader<'_>) -> Result<(), InvalidParam> {
        let mut path = String::with_capacity(64);
        validate_fields(self.params, &mut path, flat)
    }

    /// Whether it pages with `offset`/`limit` and reports `totalCount`.
    pub fn is_paged(&self) -> bool {
        let has_param = |n: &str| self.params.iter().any(|p| p.name == n);
        has_param("offset")
            && has_param("limit")
            && self.outputs.iter().any(|o| o.name == "totalCount")
    }

    /// The parameter spec of a top-level name.
    pub fn param(&self, name: &str) -> Option<&'static FieldSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Validates `fields` at `path` (empty, or ending with a dot); `path` is one
/// buffer for the whole walk, extended and cut back rather than copied.
fn validate_fields(
    fields: &[FieldSpec],
    path: &mut String,
    flat: &ParamReader<'_>,
) -> Result<(), InvalidParam> {
    let base = path.len();
    for field in fields {
        path.push_str(field.name);
        let result = validate_field(field, path, flat);
        path.truncate(base);
        result?;
    }
    Ok(())
}

fn validate_field(
    field: &FieldSpec,
    path: &mut String,
    flat: &ParamReader<'_>,
) -> Result<(), InvalidParam> {
    let name_len = path.len();
    if field.list {
        path.push('.');
        let items = flat.indices(path);
        path.truncate(name_len);
        let name = path.as_str();
        if items.is_empty() {
            return if let Some(v) = flat.get(name) {
                // A bare `name=value` where an array is expected.
                Err(invalid(
                    name,
                    format!("expected an array (`{name}.0=...`), got `{v}`"),
                ))
            } else if field.required {
                Err(invalid(name, "missing required parameter"))
            } else {
                Ok(())
            };
        }
        for i in items {
            use std::fmt::Write as _;
            let _ = write!(path, ".{i}");
            let result = validate_value(field, path, flat);
            path.truncate(name_len);
            result?;
        }
        return Ok(());
    }
    // One lookup for the common case, a scalar given by name.
    let value = flat.get(path);
    if let (Some(value), false) = (
        value,
        matches!(field.ty, FieldType::Object | FieldType::Json),
    ) {
        return validate_scalar(field, field.ty, path, value);
    }
    if value.is_none() {
        path.push('.');
        let nested = flat.under(path).next().is_some();
        path.truncate(name_len);
        if !nested {
            return if field.required {
                Err(invalid(path, "missing required parameter"))
            } else {
                Ok(())
            };
        }
    }
    validate_value(field, path, flat)
}

/// Validates one (non-list) value at `path`.
fn validate_value(
    field: &FieldSpec,
    path: &mut String,
    flat: &ParamReader<'_>,
) -> Result<(), InvalidParam> {
    match field.ty {
        FieldType::Object => {
            path.push('.');
            validate_fields(field.fields, path, flat)
        }
        FieldType::Json => Ok(()),
        ty => {
            let value = flat
                .get(path)
                .ok_or_else(|| invalid(path, "expected a value"))?;
            validate_scalar(field, ty, path, value)
        }
    }
}

fn validate_scalar(
    field: &FieldSpec,
    ty: FieldType,
    name: &str,
    value: &str,
) -> Result<(), InvalidParam> {
    match ty {
        FieldType::Integer => {
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| invalid(name, format!("expected an integer, got `{value}`")))?;
            if let Some(min) = field.minimum.filter(|min| n < *min) {
                return Err(invalid(name, format!("must be at least {min}, got {n}")));
            }
            if let Some(max) = field.maximum.filter(|max| n > *max) {
                return Err(invalid(name, format!("must be at most {max}, got {n}")));
            }
        }
        FieldType::Float => {
            value
                .trim()
                .parse::<f64>()
                .map_err(|_| invalid(name, format!("expected a number, got `{value}`")))?;
        }
        FieldType::Boolean => {
            if crate::params::parse_bool(value).is_none() {
                return Err(invalid(
                    name,
                    format!("expected true/false or 1/0, got `{value}`"),
                ));
            }
        }
        FieldType::String => {
            let len = value.chars().count();
            if let Some(min) = field.min_length.filter(|min| len < *min as usize) {
                return Err(invalid(
                    name,
                    format!("must be at least {min} characters, got {len}"),
                ));
            }
            if let Some(max) = field.max_length.filter(|max| len > *max as usize) {
                return Err(invalid(
                    name,
                    format!("must be at most {max} characters, got {len}"),
                ));
            }
        }
        FieldType::Json | FieldType::Object => {}
    }
    if !field.allowed.is_empty() && !field.allowed.contains(&value) {
        return Err(invalid(
            name,
            format!("must be one of {}, got `{value}`", field.allowed.join(", ")),
        ));
    }
    Ok(())
}
