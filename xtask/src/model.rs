//! Lowering a validated spec to a Rust-shaped model. Every naming, escaping and
//! type-mapping decision is made here, in plain tested Rust; templates only loop.

use crate::spec::{ActionFile, Base, Direction, Field, ServiceSpec, TypeExpr};

pub struct ServiceModel {
    pub module: String,
    pub host: String,
    pub path: String,
    pub doc: String,
    pub common_codes: Vec<CommonCodeModel>,
    pub shared_types: Vec<StructModel>,
    pub actions: Vec<ActionModel>,
    /// Wire names of every field marked `secret`, sorted, without repeats.
    pub secret_fields: Vec<String>,
}

pub struct CommonCodeModel {
    pub variant: String,
    pub code: i64,
    pub doc: String,
    pub retryable: bool,
}

pub struct ActionModel {
    pub name: String,
    /// Whether Tencent's documentation describes the action.
    pub documented: bool,
    pub module: String,
    pub spec_file: String,
    pub doc_lines: Vec<String>,
    pub required: Vec<FieldModel>,
    pub optional: Vec<FieldModel>,
    pub output: StructModel,
    /// Some parameter is secret: `Debug` is written out to mask it, not derived.
    pub has_secret: bool,
    /// Inline object types of parameters and outputs.
    pub structs: Vec<StructModel>,
    pub error_enum: String,
    pub errors: Vec<ErrorModel>,
    /// The `ActionSpec` literal.
    pub spec_literal: String,
    /// Whether the output has a typed `task_id` field.
    pub has_task_id: bool,
    /// For actions that page (`offset`/`limit` in, `totalCount` and a `data` list out):
    /// the type of one `data` item.
    pub page_item: Option<String>,
}

pub struct StructModel {
    pub name: String,
    /// The top-level output of an action: carries the response's metadata.
    pub is_action_output: bool,
    pub doc_lines: Vec<String>,
    pub input: bool,
    pub required: Vec<FieldModel>,
    pub optional: Vec<FieldModel>,
    pub fields: Vec<FieldModel>,
    /// Some field is secret: `Debug` is written out to mask it, not derived.
    pub has_secret: bool,
}

#[derive(Clone)]
pub struct FieldModel {
    pub wire: String,
    pub ident: String,
    pub doc_lines: Vec<String>,
    /// Field type as stored in an input struct (without `Option` for required ones).
    pub ty: String,
    /// Setter or constructor argument type.
    pub arg_ty: String,
    /// Expression turning `value` (the argument) into `ty`.
    pub conv: String,
    /// The field initializer in `new`, over the argument named like the field.
    pub init: String,
    /// `deserialize_with` helper for outputs, if any.
    pub deser: Option<String>,
    /// Masked in `Debug`.
    pub secret: bool,
    /// The field's name as `Debug` prints it (the identifier without `r#`).
    pub debug_name: String,
}

pub struct ErrorModel {
    pub variant: String,
    pub code: String,
    pub doc: String,
}

/// `peeringConnectionId` -> `peering_connection_id`, `totalIPNum` -> `total_ip_num`,
/// `IKESet` -> `ike_set`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '.' || c == '-' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let starts_word = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `peeringConnectionId` -> `PeeringConnectionId`; `InvalidVpc.NotFound` -> `InvalidVpcNotFound`;
/// `-3325` -> `CodeMinus3325`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            if c == '-' && out.is_empty() {
                out.push_str("Minus");
            }
            upper = true;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.starts_with("Minus") {
        out.insert_str(0, "Code");
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "yield", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual",
];

/// A Rust identifier for a wire name (raw identifiers for keywords).
pub fn ident(wire: &str) -> String {
    let snake = snake_case(wire);
    let snake = if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{snake}")
    } else {
        snake
    };
    match snake.as_str() {
        "self" | "Self" | "super" | "crate" => format!("{snake}_"),
        s if KEYWORDS.contains(&s) => format!("r#{s}"),
        _ => snake,
    }
}

/// Splits documentation into `///` lines.
pub fn doc_lines(text: &str) -> Vec<String> {
    text.trim()
        .lines()
        .map(|l| l.trim_end().to_owned())
        .collect()
}

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

/// Lowers one validated service.
pub fn lower(spec: &ServiceSpec) -> ServiceModel {
    let shared_types = spec
        .types
        .types
        .iter()
        .map(|t| {
            let mut extra = Vec::new();
            let s = lower_struct(
                &t.name,
                &doc_lines(&t.doc),
                t.direction == Direction::Input,
                &t.field,
                &mut extra,
            );
            assert!(extra.is_empty(), "shared types may not nest inline objects");
            s
        })
        .collect();
    let mut actions: Vec<ActionModel> = spec
        .actions
        .iter()
        .map(|(path, a)| lower_action(spec, path.display().to_string(), a))
        .collect();
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    ServiceModel {
        module: spec.service.name.clone(),
        host: spec.service.host.clone(),
        path: spec.service.path.clone(),
        doc: spec.service.doc.clone(),
        common_codes: spec
            .service
            .common_error
            .iter()
            .map(|e| CommonCodeModel {
                variant: e.name.clone(),
                code: e.code,
                doc: e.doc.clone(),
                retryable: e.retryable,
            })
            .collect(),
        secret_fields: secret_fields(spec),
        shared_types,
        actions,
    }
}

/// Wire names of every secret field of the service, at any depth.
fn secret_fields(spec: &ServiceSpec) -> Vec<String> {
    fn collect(fields: &[Field], out: &mut Vec<String>) {
        for f in fields {
            if f.secret {
                out.push(f.name.clone());
            }
            collect(&f.field, out);
        }
    }
    let mut out = Vec::new();
    for t in &spec.types.types {
        collect(&t.field, &mut out);
    }
    for (_, a) in &spec.actions {
        collect(&a.param, &mut out);
        collect(&a.output, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn lower_action(spec: &ServiceSpec, spec_file: String, a: &ActionFile) -> ActionModel {
    let mut structs = Vec::new();
    let (required, optional): (Vec<&Field>, Vec<&Field>) = a.param.iter().partition(|p| p.required);
    let lower_params = |fields: Vec<&Field>, structs: &mut Vec<StructModel>| {
        fields
            .into_iter()
            .map(|f| lower_field(&a.name, "Param", f, true, structs))
            .collect::<Vec<_>>()
    };
    let required = lower_params(required, &mut structs);
    let optional = lower_params(optional, &mut structs);
    let mut output = lower_struct(
        &format!("{}Output", a.name),
        &[format!("What a successful [`{}`] returns.", a.name)],
        false,
        &a.output,
        &mut structs,
    );
    output.is_action_output = true;
    let mut doc = doc_lines(&a.summary);
    if !a.documented {
        doc.push(String::new());
        doc.push("**Undocumented action**: Tencent's documentation does not describe it; its parameter names come from the official CLI and their types are best guesses (mostly strings).".into());
    }
    if let Some(note) = &a.note {
        doc.push(String::new());
        doc.extend(doc_lines(note));
    }
    doc.push(String::new());
    doc.push(format!(
        "Wire name `{}`. {} {}",
        a.name,
        if a.asynchronous {
            "Asynchronous: returns a `taskId` to poll with [`DescribeVpcTaskResult`](super::DescribeVpcTaskResult)."
        } else {
            "Synchronous."
        },
        if a.idempotent { "Idempotent: safe to retry." } else { "Not idempotent: retried only when it provably was not sent." }
    ));
    if let Some(url) = &a.doc_url {
        doc.push(format!("Documentation: <{url}>."));
    }
    if !a.error.is_empty() {
        doc.push(String::new());
        doc.push("# Errors".into());
        doc.push(String::new());
        doc.push("Business codes (`codeDesc`), besides the common numeric codes:".into());
        for e in &a.error {
            doc.push(format!("- `{}`: {}", e.code, e.doc.trim()));
        }
    }
    let errors = a
        .error
        .iter()
        .map(|e| ErrorModel {
            variant: pascal_case(&e.code),
            code: e.code.clone(),
            doc: e.doc.trim().to_owned(),
        })
        .collect();
    let has_task_id = output.fields.iter().any(|f| f.wire == "taskId");
    let has_param = |n: &str| {
        a.param
            .iter()
            .any(|p| p.name == n && p.ty == "integer" && !p.required)
    };
    let page_item = if has_param("offset")
        && has_param("limit")
        && a.output
            .iter()
            .any(|o| o.name == "totalCount" && o.ty == "integer")
    {
        output
            .fields
            .iter()
            .find(|f| f.wire == "data")
            .and_then(|f| f.ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')))
            .map(str::to_owned)
    } else {
        None
    };
    ActionModel {
        has_secret: required.iter().chain(&optional).any(|f| f.secret),
        module: snake_case(&a.name),
        spec_file,
        doc_lines: doc,
        required,
        optional,
        output,
        structs,
        error_enum: format!("{}ErrorCode", a.name),
        errors,
        spec_literal: action_literal(spec, a),
        has_task_id,
        page_item,
        documented: a.documented,
        name: a.name.clone(),
    }
}

fn lower_struct(
    name: &str,
    doc: &[String],
    input: bool,
    fields: &[Field],
    structs: &mut Vec<StructModel>,
) -> StructModel {
    let lowered: Vec<(bool, FieldModel)> = fields
        .iter()
        .map(|f| {
            (
                f.required,
                lower_field(name, if input { "Param" } else { "" }, f, input, structs),
            )
        })
        .collect();
    let mut required = Vec::new();
    let mut optional = Vec::new();
    let mut all = Vec::new();
    for (req, f) in lowered {
        all.push(f.clone());
        if input && req {
            required.push(f);
        } else {
            optional.push(f);
        }
    }
    StructModel {
        is_action_output: false,
        has_secret: all.iter().any(|f| f.secret),
        name: name.to_owned(),
        doc_lines: doc.to_vec(),
        input,
        required,
        optional,
        fields: all,
    }
}

/// Lowers one field; inline objects become structs named `{owner}{Field}{suffix}`.
fn lower_field(
    owner: &str,
    suffix: &str,
    f: &Field,
    input: bool,
    structs: &mut Vec<StructModel>,
) -> FieldModel {
    // Validated before lowering.
    let ty = TypeExpr::parse(&f.ty).unwrap_or(TypeExpr {
        list: false,
        base: Base::Json,
    });
    let owner_base = owner.strip_suffix("Output").unwrap_or(owner);
    let elem = match &ty.base {
        Base::String => "String".to_owned(),
        Base::Integer => "i64".to_owned(),
        Base::Boolean => "bool".to_owned(),
        Base::Float => "f64".to_owned(),
        Base::Json => "serde_json::Value".to_owned(),
        Base::Named(n) => n.clone(),
        Base::Object => {
            let name = format!("{owner_base}{}{suffix}", pascal_case(&f.name));
            let s = lower_struct(&name, &doc_lines(&f.doc), input, &f.field, structs);
            structs.push(s);
            name
        }
    };
    let ty_text = if ty.list {
        format!("Vec<{elem}>")
    } else {
        elem.clone()
    };
    let (arg_ty, conv) = match (ty.list, &ty.base) {
        (false, Base::String) => ("impl Into<String>".to_owned(), "value.into()".to_owned()),
        (false, _) => (elem.clone(), "value".to_owned()),
        (true, Base::String) => (
            "impl IntoIterator<Item = impl Into<String>>".to_owned(),
            "value.into_iter().map(Into::into).collect()".to_owned(),
        ),
        (true, _) => (
            format!("impl IntoIterator<Item = {elem}>"),
            "value.into_iter().collect()".to_owned(),
        ),
    };
    let deser = match (&ty.base, ty.list) {
        (Base::String, false) => Some("string"),
        (Base::Integer, false) => Some("integer"),
        (Base::Boolean, false) => Some("boolean"),
        (Base::Float, false) => Some("float"),
        (Base::String, true) => Some("string_list"),
        (Base::Integer, true) => Some("integer_list"),
        (Base::Boolean, true) => Some("boolean_list"),
        (Base::Float, true) => Some("float_list"),
        _ => None,
    };
    let mut docs = doc_lines(&f.doc);
    if !f.documented {
        docs.push(String::new());
        docs.push(
            "Undocumented: known from the official CLI, not from Tencent's documentation.".into(),
        );
    }
    let mut rules = Vec::new();
    if let Some(n) = f.min_length {
        rules.push(format!("at least {n} characters"));
    }
    if let Some(n) = f.max_length {
        rules.push(format!("at most {n} characters"));
    }
    if let Some(n) = f.minimum {
        rules.push(format!("at least {n}"));
    }
    if let Some(n) = f.maximum {
        rules.push(format!("at most {n}"));
    }
    if !f.allowed.is_empty() {
        rules.push(format!(
            "one of {}",
            f.allowed
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !rules.is_empty() {
        docs.push(String::new());
        docs.push(format!("Checked before sending: {}.", rules.join(", ")));
    }
    if f.secret {
        docs.push(String::new());
        docs.push("Secret: `Debug`, logs and errors never show its value.".into());
    }
    docs.push(String::new());
    docs.push(format!("Wire name: `{}`.", f.name));
    let ident = ident(&f.name);
    FieldModel {
        init: if conv == "value" {
            ident.clone()
        } else {
            format!("{ident}: {}", conv.replacen("value", &ident, 1))
        },
        wire: f.name.clone(),
        ident: ident.clone(),
        doc_lines: docs,
        ty: ty_text,
        arg_ty,
        conv,
        deser: deser.map(|d| format!("crate::lenient::{d}")),
        secret: f.secret,
        debug_name: ident.trim_start_matches("r#").to_owned(),
    }
}

fn action_literal(spec: &ServiceSpec, a: &ActionFile) -> String {
    let errors: Vec<String> = a.error.iter().map(|e| rust_str(&e.code)).collect();
    format!(
        "ActionSpec {{ name: {}, service: {}, family: {}, summary: {}, idempotent: {}, asynchronous: {}, documented: {}, params: &[{}], outputs: &[{}], errors: &[{}] }}",
        rust_str(&a.name),
        rust_str(&spec.service.name),
        rust_str(&a.family),
        rust_str(a.summary.trim()),
        a.idempotent,
        a.asynchronous,
        a.documented,
        fields_literal(spec, &a.param),
        fields_literal(spec, &a.output),
        errors.join(", ")
    )
}

fn fields_literal(spec: &ServiceSpec, fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| field_literal(spec, f))
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_literal(spec: &ServiceSpec, f: &Field) -> String {
    let ty = TypeExpr::parse(&f.ty).unwrap_or(TypeExpr {
        list: false,
        base: Base::Json,
    });
    let (kind, sub) = match &ty.base {
        Base::String => ("String", String::new()),
        Base::Integer => ("Integer", String::new()),
        Base::Boolean => ("Boolean", String::new()),
        Base::Float => ("Float", String::new()),
        Base::Json => ("Json", String::new()),
        Base::Object => ("Object", fields_literal(spec, &f.field)),
        Base::Named(n) => {
            let fields = spec
                .types
                .types
                .iter()
                .find(|t| &t.name == n)
                .map(|t| t.field.as_slice())
                .unwrap_or_default();
            ("Object", fields_literal(spec, fields))
        }
    };
    let opt = |v: Option<String>| v.map_or("None".to_owned(), |v| format!("Some({v})"));
    format!(
        "FieldSpec {{ name: {}, ty: FieldType::{kind}, list: {}, required: {}, documented: {}, secret: {}, min_length: {}, max_length: {}, minimum: {}, maximum: {}, allowed: &[{}], fields: &[{sub}], doc: {} }}",
        rust_str(&f.name),
        ty.list,
        f.required,
        f.documented,
        f.secret,
        opt(f.min_length.map(|v| v.to_string())),
        opt(f.max_length.map(|v| v.to_string())),
        opt(f.minimum.map(|v| v.to_string())),
        opt(f.maximum.map(|v| v.to_string())),
        f.allowed
            .iter()
            .map(|v| rust_str(v))
            .collect::<Vec<_>>()
            .join(", "),
        rust_str(f.doc.trim()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming() {
        fn check(f: fn(&str) -> String, input: &str, expected: &str) {
            assert_eq!(f(input), expected, "{input}");
        }
        check(snake_case, "peeringConnectionId", "peering_connection_id");
        check(snake_case, "totalIPNum", "total_ip_num");
        check(snake_case, "IKESet", "ike_set");
        check(snake_case, "unVpcId", "un_vpc_id");
        check(
            snake_case,
            "RejectVpcPeeringConnection",
            "reject_vpc_peering_connection",
        );
        check(
            snake_case,
            "DeleteLocalIPTranslationNatRule",
            "delete_local_ip_translation_nat_rule",
        );
        check(snake_case, "localIPTranslation", "local_ip_translation");
        check(snake_case, "SSLVpnDomain", "ssl_vpn_domain");
        check(snake_case, "a_b", "a_b");
        check(ident, "type", "r#type");
        check(ident, "self", "self_");
        check(ident, "3des", "n3des");
        check(pascal_case, "InvalidVpc.NotFound", "InvalidVpcNotFound");
        check(pascal_case, "peeringConnectionId", "PeeringConnectionId");
        check(pascal_case, "29151", "Code29151");
        check(pascal_case, "-3325", "CodeMinus3325");
        check(pascal_case, "subnetSet", "SubnetSet");
    }
}
