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
    /// Every business code any action lists, once, sorted by wire name.
    pub error_codes: Vec<ErrorModel>,
    /// Wire names of every field marked `secret`, sorted, without repeats.
    pub secret_fields: Vec<String>,
    /// The task query, as the `ServiceSpec` literal's `tasks` expression.
    pub tasks_literal: String,
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
    /// The `ActionSpec` literal.
    pub spec_literal: String,
    /// Some output field reads through `crate::lenient`.
    pub uses_lenient: bool,
    /// Some inline object is a parameter (it implements `ParamValue`).
    pub has_input_structs: bool,
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
    /// A shared type's `FieldSpec` lines, for its `FIELDS` const.
    pub spec_fields: Option<String>,
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

/// The module's business codes: each code any action lists, once, with the doc most
/// actions give it (the first such, in action order, on a tie).
fn collect_error_codes(spec: &ServiceSpec) -> Vec<ErrorModel> {
    let mut docs: std::collections::BTreeMap<&str, Vec<(&str, usize)>> = Default::default();
    let mut actions: Vec<&ActionFile> = spec.actions.iter().map(|(_, a)| a).collect();
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    for e in actions.iter().flat_map(|a| &a.error) {
        let seen = docs.entry(e.code.as_str()).or_default();
        match seen.iter_mut().find(|(d, _)| *d == e.doc.trim()) {
            Some((_, n)) => *n += 1,
            None => seen.push((e.doc.trim(), 1)),
        }
    }
    docs.into_iter()
        .map(|(code, seen)| {
            let most = seen.iter().map(|(_, n)| *n).max().unwrap_or_default();
            let doc = seen.iter().find(|(_, n)| *n == most).map_or("", |(d, _)| d);
            ErrorModel {
                variant: pascal_case(code),
                code: code.to_owned(),
                doc: doc.to_owned(),
            }
        })
        .collect()
}

impl StructModel {
    /// Whether some field of this output type reads through `crate::lenient`.
    pub fn uses_lenient(&self) -> bool {
        !self.input && self.fields.iter().any(|f| f.deser.is_some())
    }
}

impl ServiceModel {
    /// Whether some shared output type reads through `crate::lenient`.
    pub fn types_use_lenient(&self) -> bool {
        self.shared_types.iter().any(StructModel::uses_lenient)
    }

    /// Whether some shared type is a parameter (it implements `ParamValue`).
    pub fn types_have_input(&self) -> bool {
        self.shared_types.iter().any(|s| s.input)
    }
}

impl FieldModel {
    /// The output field's serde attribute arguments, for one line.
    pub fn serde_args(&self) -> String {
        let mut args = format!(
            "rename = {}, skip_serializing_if = \"Option::is_none\"",
            rust_str(&self.wire)
        );
        if let Some(d) = &self.deser {
            args.push_str(&format!(", deserialize_with = \"{d}\""));
        }
        args
    }
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
            let mut s = lower_struct(
                &t.name,
                &doc_lines(&t.doc),
                t.direction == Direction::Input,
                &t.field,
                &mut extra,
            );
            assert!(extra.is_empty(), "shared types may not nest inline objects");
            s.spec_fields = Some(shared_fields_literal(spec, &t.field));
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
        tasks_literal: tasks_literal(spec.service.tasks.as_ref()),
        error_codes: collect_error_codes(spec),
        shared_types,
        actions,
    }
}

/// `None`, or `Some(TaskQuery { .. })` for the service's `[tasks]`.
pub fn tasks_literal(tasks: Option<&crate::spec::TaskQueryFile>) -> String {
    let Some(t) = tasks else {
        return "None".to_owned();
    };
    let list = |values: &[i64]| {
        values
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let status: Vec<String> = t.status.split('.').map(|k| format!("{k:?}")).collect();
    format!(
        "Some(crate::service::TaskQuery {{ action: {:?}, id_param: {:?}, status: &[{}], succeeded: &[{}], failed: &[{}] }})",
        t.action,
        t.id_param,
        status.join(", "),
        list(&t.succeeded),
        list(&t.failed)
    )
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
        doc.push("Errors: business codes (`codeDesc`, read with [`ErrorCode::of`]) besides the common numeric codes:".into());
        for e in &a.error {
            doc.push(format!(
                "- [`{}`](ErrorCode::{}): {}",
                e.code,
                pascal_case(&e.code),
                e.doc.trim()
            ));
        }
    }
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
    let uses_lenient = std::iter::once(&output)
        .chain(&structs)
        .any(StructModel::uses_lenient);
    ActionModel {
        uses_lenient,
        has_input_structs: structs.iter().any(|s| s.input),
        has_secret: required.iter().chain(&optional).any(|f| f.secret),
        module: snake_case(&a.name),
        spec_file,
        doc_lines: doc,
        required,
        optional,
        output,
        structs,
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
        spec_fields: None,
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
    let mut rules = Vec::new();
    match (f.min_length, f.max_length) {
        (Some(min), Some(max)) => rules.push(format!("{min} to {max} characters")),
        (Some(min), None) => rules.push(format!("at least {min} characters")),
        (None, Some(max)) => rules.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    match (f.minimum, f.maximum) {
        (Some(min), Some(max)) => rules.push(format!("{min} to {max}")),
        (Some(min), None) => rules.push(format!("at least {min}")),
        (None, Some(max)) => rules.push(format!("at most {max}")),
        (None, None) => {}
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
    // What the spec adds to the prose, as one sentence after it: a one-line doc and
    // this line render as one paragraph; a longer doc gets it as its own paragraph.
    let mut facts = vec![format!("Wire name `{}`", f.name)];
    if !f.documented {
        facts.push(
            "undocumented: known from the official CLI, not from Tencent's documentation".into(),
        );
    }
    if !rules.is_empty() {
        facts.push(format!("checked before sending: {}", rules.join(", ")));
    }
    if f.secret {
        facts.push("secret: `Debug`, logs and errors never show its value".into());
    }
    let mut docs = doc_lines(&f.doc);
    if docs.len() > 1 {
        docs.push(String::new());
    }
    docs.push(format!("{}.", facts.join("; ")));
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
        deser: deser.map(|d| format!("lenient::{d}")),
        secret: f.secret,
        debug_name: ident.trim_start_matches("r#").to_owned(),
    }
}

/// The `ActionSpec` constructor chain of an action, laid out one field per line at
/// the indentation of an associated const (the template marks it `#[rustfmt::skip]`).
fn action_literal(spec: &ServiceSpec, a: &ActionFile) -> String {
    let mut out = format!(
        "ActionSpec::new({}, {}, {}, {})",
        rust_str(&a.name),
        rust_str(&spec.service.name),
        rust_str(&a.family),
        rust_str(a.summary.trim()),
    );
    for (flag, name) in [
        (a.idempotent, "idempotent"),
        (a.asynchronous, "asynchronous"),
        (!a.documented, "undocumented"),
    ] {
        if flag {
            out.push_str(&format!(".{name}()"));
        }
    }
    for (fields, method) in [(&a.param, "params"), (&a.output, "outputs")] {
        if !fields.is_empty() {
            out.push_str(&format!("\n        .{method}(&[\n"));
            fields_lines(spec, fields, 12, &mut out);
            out.push_str("        ])");
        }
    }
    if !a.error.is_empty() {
        let names: Vec<String> = a.error.iter().map(|e| rust_str(&e.code)).collect();
        out.push_str(&format!("\n        .errors(&[{}])", names.join(", ")));
    }
    out
}

/// The `FieldSpec` lines of a shared type's `FIELDS` const, at associated-const indentation.
fn shared_fields_literal(spec: &ServiceSpec, fields: &[Field]) -> String {
    let mut out = String::new();
    fields_lines(spec, fields, 8, &mut out);
    out
}

/// One `FieldSpec` chain per line, objects' inline fields nested below them.
fn fields_lines(spec: &ServiceSpec, fields: &[Field], indent: usize, out: &mut String) {
    for f in fields {
        out.push_str(&" ".repeat(indent));
        field_chain(spec, f, indent, out);
        out.push_str(",\n");
    }
}

fn field_chain(spec: &ServiceSpec, f: &Field, indent: usize, out: &mut String) {
    let ty = TypeExpr::parse(&f.ty).unwrap_or(TypeExpr {
        list: false,
        base: Base::Json,
    });
    let constructor = match &ty.base {
        Base::String => "string",
        Base::Integer => "integer",
        Base::Boolean => "boolean",
        Base::Float => "float",
        Base::Json => "json",
        Base::Object | Base::Named(_) => "object",
    };
    out.push_str(&format!(
        "FieldSpec::{constructor}({}, {})",
        rust_str(&f.name),
        rust_str(f.doc.trim())
    ));
    for (flag, name) in [
        (ty.list, "list"),
        (f.required, "required"),
        (!f.documented, "undocumented"),
        (f.secret, "secret"),
    ] {
        if flag {
            out.push_str(&format!(".{name}()"));
        }
    }
    match (f.min_length, f.max_length) {
        (Some(min), Some(max)) => out.push_str(&format!(".length({min}, {max})")),
        (Some(min), None) => out.push_str(&format!(".min_length({min})")),
        (None, Some(max)) => out.push_str(&format!(".max_length({max})")),
        (None, None) => {}
    }
    match (f.minimum, f.maximum) {
        (Some(min), Some(max)) => out.push_str(&format!(".range({min}, {max})")),
        (Some(min), None) => out.push_str(&format!(".minimum({min})")),
        (None, Some(max)) => out.push_str(&format!(".maximum({max})")),
        (None, None) => {}
    }
    if !f.allowed.is_empty() {
        let values: Vec<String> = f.allowed.iter().map(|v| rust_str(v)).collect();
        out.push_str(&format!(".allowed(&[{}])", values.join(", ")));
    }
    match &ty.base {
        // Shared types' fields are emitted once, as the type's `FIELDS`.
        Base::Named(n) if spec.types.types.iter().any(|t| &t.name == n) => {
            out.push_str(&format!(".fields({n}::FIELDS)"));
        }
        Base::Object => {
            out.push_str(".fields(&[\n");
            fields_lines(spec, &f.field, indent + 4, out);
            out.push_str(&" ".repeat(indent));
            out.push_str("])");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ServiceFile, TypesFile};

    /// A one-service spec from TOML texts: `types.toml` and `(file stem, action file)` pairs.
    fn service(types: &str, actions: &[(&str, &str)]) -> ServiceSpec {
        ServiceSpec {
            dir: "spec/vpc".into(),
            service: toml::from_str::<ServiceFile>(
                "name = \"vpc\"\nhost = \"h\"\npath = \"/\"\ndoc = \"d\"",
            )
            .unwrap(),
            types: toml::from_str::<TypesFile>(types).unwrap(),
            actions: actions
                .iter()
                .map(|(name, text)| {
                    (
                        format!("spec/vpc/actions/{name}.toml").into(),
                        toml::from_str(text).unwrap(),
                    )
                })
                .collect(),
        }
    }

    const HEAD: &str =
        "family = \"f\"\nsummary = \"S.\"\nidempotent = true\nasynchronous = false\n";

    #[test]
    fn spec_tables_are_constructor_chains_one_field_per_line() {
        let types = r#"
[[type]]
name = "Pair"
direction = "input"
doc = "Two values."
field = [{ name = "a", type = "string", doc = "A." }]
"#;
        let action = format!(
            r#"name = "Act"
{HEAD}documented = false
[[param]]
name = "key"
type = "string"
required = true
secret = true
max_length = 8
allowed = ["x", "y"]
doc = "A key."
[[param]]
name = "n"
type = "integer"
minimum = 1
maximum = 9
documented = false
doc = "A number."
[[param]]
name = "pairs"
type = "list<Pair>"
doc = "Pairs."
[[output]]
name = "items"
type = "list<object>"
doc = "Items."
[[output.field]]
name = "id"
type = "string"
doc = "ID."
[[error]]
code = "Bad.Thing"
doc = "Bad."
"#
        );
        let spec = service(types, &[("Act", &action)]);
        assert_eq!(
            action_literal(&spec, &spec.actions[0].1),
            r#"ActionSpec::new("Act", "vpc", "f", "S.").idempotent().undocumented()
        .params(&[
            FieldSpec::string("key", "A key.").required().secret().max_length(8).allowed(&["x", "y"]),
            FieldSpec::integer("n", "A number.").undocumented().range(1, 9),
            FieldSpec::object("pairs", "Pairs.").list().fields(Pair::FIELDS),
        ])
        .outputs(&[
            FieldSpec::object("items", "Items.").list().fields(&[
                FieldSpec::string("id", "ID."),
            ]),
        ])
        .errors(&["Bad.Thing"])"#
        );
        let model = lower(&spec);
        assert_eq!(
            model.shared_types[0].spec_fields.as_deref(),
            Some("        FieldSpec::string(\"a\", \"A.\"),\n")
        );
        let key = &model.actions[0].required[0];
        assert_eq!(
            key.doc_lines,
            [
                "A key.",
                "Wire name `key`; checked before sending: at most 8 characters, one of `x`, `y`; secret: `Debug`, logs and errors never show its value."
            ]
        );
    }

    #[test]
    fn business_codes_are_collected_once_with_the_most_common_doc() {
        let action = |name: &str, doc: &str| {
            format!(
                "name = \"{name}\"\n{HEAD}[[error]]\ncode = \"Vpc.NotFound\"\ndoc = \"{doc}\"\n\
                 [[error]]\ncode = \"-3325\"\ndoc = \"{name} only.\"\n"
            )
        };
        let (a, b, c) = (
            action("A", "Rare."),
            action("B", "Usual."),
            action("C", "Usual."),
        );
        let spec = service("", &[("C", &c), ("A", &a), ("B", &b)]);
        let codes: Vec<(String, String, String)> = collect_error_codes(&spec)
            .into_iter()
            .map(|e| (e.code, e.variant, e.doc))
            .collect();
        assert_eq!(
            codes,
            [
                // A tie: the first action by name gives the doc.
                ("-3325".into(), "CodeMinus3325".into(), "A only.".into()),
                ("Vpc.NotFound".into(), "VpcNotFound".into(), "Usual.".into()),
            ]
        );
    }

    #[test]
    fn codes_sharing_a_variant_are_rejected() {
        let a = format!(
            "name = \"A\"\n{HEAD}[[error]]\ncode = \"Vpc.NotFound\"\ndoc = \"x\"\n\
             [[error]]\ncode = \"Other\"\ndoc = \"x\"\n"
        );
        let b = format!("name = \"B\"\n{HEAD}[[error]]\ncode = \"VpcNotFound\"\ndoc = \"x\"\n");
        let errors = crate::spec::validate(&service("", &[("A", &a), ("B", &b)]));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("`Other` maps to the same variant `Other` as the fallback"));
        assert!(
            errors[1]
                .contains("`VpcNotFound` maps to the same variant `VpcNotFound` as `Vpc.NotFound`")
        );
    }

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
