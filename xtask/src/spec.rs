//! Reading spec/ files: the raw TOML model (unknown keys are errors) and its validation.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `spec/<service>/service.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    pub name: String,
    pub host: String,
    pub path: String,
    pub doc: String,
    #[serde(default)]
    pub common_error: Vec<CommonError>,
    /// How the module's tasks are polled, if it has a task query.
    #[serde(default)]
    pub tasks: Option<TaskQueryFile>,
}

/// `[tasks]` of a service file: the action that reports on a task, and how to read it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskQueryFile {
    /// The action, e.g. `DescribeVpcTaskResult`.
    pub action: String,
    /// The parameter naming the task, e.g. `taskId`.
    pub id_param: String,
    /// Where the status is in the answer, dotted: `data.status`.
    pub status: String,
    /// Status values that mean success.
    pub succeeded: Vec<i64>,
    /// Status values that mean failure; anything else means running.
    pub failed: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonError {
    pub code: i64,
    pub name: String,
    pub doc: String,
    #[serde(default)]
    pub retryable: bool,
}

/// `spec/<service>/types.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypesFile {
    #[serde(default, rename = "type")]
    pub types: Vec<TypeDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Input,
    Output,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub name: String,
    pub direction: Direction,
    pub doc: String,
    pub field: Vec<Field>,
}

/// `spec/<service>/actions/<Name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionFile {
    pub name: String,
    pub family: String,
    pub summary: String,
    #[serde(default)]
    pub doc_url: Option<String>,
    pub idempotent: bool,
    pub asynchronous: bool,
    #[serde(default = "yes")]
    pub documented: bool,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub param: Vec<Field>,
    #[serde(default)]
    pub output: Vec<Field>,
    #[serde(default)]
    pub error: Vec<ErrorCode>,
}

fn yes() -> bool {
    true
}

/// A parameter, an output field, or a field of an object.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default = "yes")]
    pub documented: bool,
    pub doc: String,
    #[serde(default)]
    pub min_length: Option<u32>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub minimum: Option<i64>,
    #[serde(default)]
    pub maximum: Option<i64>,
    #[serde(default)]
    pub allowed: Vec<String>,
    /// A password or key: masked wherever tokens and signatures are (`Debug`, logs, errors).
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub field: Vec<Field>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    pub code: String,
    pub doc: String,
}

/// A parsed type expression: `string`, `list<integer>`, `object`, `PeeringConnection`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExpr {
    pub list: bool,
    pub base: Base,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    String,
    Integer,
    Boolean,
    Float,
    Json,
    /// Inline object with `field` entries.
    Object,
    /// A shared type from types.toml.
    Named(String),
}

impl TypeExpr {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (list, inner) = match text.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
            Some(inner) => (true, inner),
            None => (false, text),
        };
        let base = match inner {
            "string" => Base::String,
            "integer" => Base::Integer,
            "boolean" => Base::Boolean,
            "float" => Base::Float,
            "json" => Base::Json,
            "object" => Base::Object,
            name if is_pascal(name) => Base::Named(name.to_owned()),
            other => {
                return Err(format!(
                    "unknown type `{other}` (expected string, integer, boolean, float, json, object, a type from types.toml, or list<...> of one)"
                ));
            }
        };
        Ok(Self { list, base })
    }
}

pub fn is_pascal(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A loaded service: its files, parsed but not yet validated.
pub struct ServiceSpec {
    pub dir: PathBuf,
    pub service: ServiceFile,
    pub types: TypesFile,
    pub actions: Vec<(PathBuf, ActionFile)>,
}

/// Reads and parses a TOML file, naming it in errors.
fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path, root: &Path) -> Result<T, String> {
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))
}

/// Loads every service under `root/spec`.
pub fn load(root: &Path) -> Result<Vec<ServiceSpec>, Vec<String>> {
    let spec_dir = root.join("spec");
    let mut errors = Vec::new();
    let mut services = Vec::new();
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(&spec_dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("service.toml").is_file())
            .collect(),
        Err(e) => return Err(vec![format!("spec/: {e}")]),
    };
    dirs.sort();
    for dir in dirs {
        let service = match read_toml::<ServiceFile>(&dir.join("service.toml"), root) {
            Ok(s) => s,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let types_path = dir.join("types.toml");
        let types = if types_path.is_file() {
            read_toml::<TypesFile>(&types_path, root).unwrap_or_else(|e| {
                errors.push(e);
                TypesFile::default()
            })
        } else {
            TypesFile::default()
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("actions"))
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        let mut actions = Vec::new();
        for file in files {
            if file.extension().and_then(|e| e.to_str()) != Some("toml") {
                let shown = file
                    .strip_prefix(root)
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                errors.push(format!(
                    "{shown}: not a .toml file; spec/*/actions holds only action specs"
                ));
                continue;
            }
            match read_toml::<ActionFile>(&file, root) {
                Ok(a) => actions.push((file.strip_prefix(root).unwrap_or(&file).to_path_buf(), a)),
                Err(e) => errors.push(e),
            }
        }
        services.push(ServiceSpec {
            dir: dir.strip_prefix(root).unwrap_or(&dir).to_path_buf(),
            service,
            types,
            actions,
        });
    }
    if errors.is_empty() {
        Ok(services)
    } else {
        Err(errors)
    }
}

/// Checks everything serde cannot: names, types, constraints, references.
/// Each message names the file and the field.
pub fn validate(spec: &ServiceSpec) -> Vec<String> {
    let mut errors = Vec::new();
    let service_file = spec.dir.join("service.toml").display().to_string();
    let types_file = spec.dir.join("types.toml").display().to_string();
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (i, e) in spec.service.common_error.iter().enumerate() {
        if !codes.insert(e.code) {
            errors.push(format!(
                "{service_file}: common_error[{i}].code: {} is listed twice",
                e.code
            ));
        }
        if !is_pascal(&e.name) || !names.insert(e.name.clone()) {
            errors.push(format!(
                "{service_file}: common_error[{i}].name: `{}` must be a unique PascalCase name",
                e.name
            ));
        }
    }
    if let Some(tasks) = &spec.service.tasks {
        let at = format!("{service_file}: tasks");
        let query = spec.actions.iter().find(|(_, a)| a.name == tasks.action);
        match query {
            None => errors.push(format!(
                "{at}.action: `{}` is not an action of this service",
                tasks.action
            )),
            Some((_, a)) if !a.param.iter().any(|p| p.name == tasks.id_param) => {
                errors.push(format!(
                    "{at}.id_param: `{}` is not a parameter of {}",
                    tasks.id_param, a.name
                ))
            }
            Some(_) => {}
        }
        if tasks.status.split('.').any(str::is_empty) {
            errors.push(format!("{at}.status: a dotted path such as `data.status`"));
        }
        if tasks.succeeded.is_empty() || tasks.succeeded.iter().any(|s| tasks.failed.contains(s)) {
            errors.push(format!(
                "{at}.succeeded: at least one value, none of them also in `failed`"
            ));
        }
    }
    let type_dirs: Vec<(String, Direction)> = spec
        .types
        .types
        .iter()
        .map(|t| (t.name.clone(), t.direction))
        .collect();
    let mut type_names = BTreeSet::new();
    for (i, t) in spec.types.types.iter().enumerate() {
        let at = format!("{types_file}: type[{i}] `{}`", t.name);
        if !is_pascal(&t.name) {
            errors.push(format!("{at}.name: must be PascalCase"));
        }
        if !type_names.insert(t.name.clone()) {
            errors.push(format!("{at}.name: defined twice"));
        }
        check_fields(&t.field, t.direction, &type_dirs, &at, "field", &mut errors);
    }
    // One module enum holds every action's codes: distinct codes need distinct variants.
    let mut variants: std::collections::BTreeMap<String, String> = Default::default();
    for (path, a) in &spec.actions {
        for (i, e) in a.error.iter().enumerate() {
            let variant = crate::model::pascal_case(&e.code);
            let clash = |other: &str| {
                format!(
                    "{}: error[{i}].code: `{}` maps to the same variant `{variant}` as {other}",
                    path.display(),
                    e.code
                )
            };
            if variant == "Other" {
                errors.push(clash("the fallback"));
            }
            match variants.get(&variant) {
                Some(code) if *code != e.code => errors.push(clash(&format!("`{code}`"))),
                _ => {
                    variants.insert(variant, e.code.clone());
                }
            }
        }
    }
    let mut action_names = BTreeSet::new();
    for (path, a) in &spec.actions {
        let file = path.display().to_string();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if a.name != stem {
            errors.push(format!(
                "{file}: name: `{}` must match the file name `{stem}`",
                a.name
            ));
        }
        if !is_pascal(&a.name) {
            errors.push(format!(
                "{file}: name: `{}` must be PascalCase ASCII",
                a.name
            ));
        }
        if !action_names.insert(a.name.to_ascii_lowercase()) {
            errors.push(format!("{file}: name: `{}` is defined twice", a.name));
        }
        if a.family.is_empty() || !a.family.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            errors.push(format!(
                "{file}: family: `{}` must be lower_snake_case",
                a.family
            ));
        }
        if a.summary.trim().is_empty() {
            errors.push(format!("{file}: summary: must not be empty"));
        }
        check_fields(
            &a.param,
            Direction::Input,
            &type_dirs,
            &file,
            "param",
            &mut errors,
        );
        check_fields(
            &a.output,
            Direction::Output,
            &type_dirs,
            &file,
            "output",
            &mut errors,
        );
        for (i, o) in a.output.iter().enumerate() {
            if matches!(o.name.as_str(), "code" | "message" | "codeDesc") {
                errors.push(format!(
                    "{file}: output[{i}].name: `{}` is part of every envelope; do not list it",
                    o.name
                ));
            }
            if o.required {
                errors.push(format!("{file}: output[{i}].required: outputs are never required (the service omits fields freely)"));
            }
        }
        let has_task = a
            .output
            .iter()
            .any(|o| o.name == "taskId" && o.ty == "integer");
        if a.asynchronous && !has_task {
            errors.push(format!(
                "{file}: asynchronous: an asynchronous action needs an integer `taskId` output"
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, e) in a.error.iter().enumerate() {
            if e.code.trim().is_empty() || e.code.contains(char::is_whitespace) {
                errors.push(format!(
                    "{file}: error[{i}].code: `{}` must be a non-empty name without spaces",
                    e.code
                ));
            }
            if !seen.insert(e.code.clone()) {
                errors.push(format!(
                    "{file}: error[{i}].code: `{}` is listed twice",
                    e.code
                ));
            }
        }
    }
    errors
}

fn check_fields(
    fields: &[Field],
    direction: Direction,
    types: &[(String, Direction)],
    at: &str,
    kind: &str,
    errors: &mut Vec<String>,
) {
    let mut seen = BTreeSet::new();
    for (i, f) in fields.iter().enumerate() {
        let here = format!("{at}: {kind}[{i}] `{}`", f.name);
        if f.name.is_empty()
            || !f
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            errors.push(format!("{here}.name: must be ASCII letters, digits or `_`"));
        }
        if !seen.insert(crate::model::snake_case(&f.name)) {
            errors.push(format!(
                "{here}.name: another {kind} maps to the same Rust name"
            ));
        }
        let ty = match TypeExpr::parse(&f.ty) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{here}.type: {e}"));
                continue;
            }
        };
        match &ty.base {
            Base::Object => {
                if f.field.is_empty() {
                    errors.push(format!("{here}.field: an object needs at least one field"));
                }
                check_fields(&f.field, direction, types, &here, "field", errors);
            }
            other => {
                if !f.field.is_empty() {
                    errors.push(format!("{here}.field: only `object` types have fields"));
                }
                if let Base::Named(name) = other {
                    match types.iter().find(|(n, _)| n == name) {
                        None => errors.push(format!("{here}.type: no type `{name}` in types.toml")),
                        Some((_, d)) if *d != direction => errors.push(format!(
                            "{here}.type: `{name}` is an {:?} type but is used as {direction:?}",
                            d
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
        let is_string = ty.base == Base::String;
        let is_integer = ty.base == Base::Integer;
        if f.secret && !is_string {
            errors.push(format!("{here}: only strings can be `secret`"));
        }
        if (f.min_length.is_some() || f.max_length.is_some()) && !is_string {
            errors.push(format!(
                "{here}: min_length/max_length apply to strings only"
            ));
        }
        if (f.minimum.is_some() || f.maximum.is_some()) && !is_integer {
            errors.push(format!("{here}: minimum/maximum apply to integers only"));
        }
        if let (Some(a), Some(b)) = (f.min_length, f.max_length)
            && a > b
        {
            errors.push(format!("{here}: min_length {a} exceeds max_length {b}"));
        }
        if let (Some(a), Some(b)) = (f.minimum, f.maximum)
            && a > b
        {
            errors.push(format!("{here}: minimum {a} exceeds maximum {b}"));
        }
        for v in &f.allowed {
            if is_integer && v.parse::<i64>().is_err() {
                errors.push(format!("{here}.allowed: `{v}` is not an integer"));
            }
            if !(is_integer || is_string) {
                errors.push(format!(
                    "{here}.allowed: applies to strings and integers only"
                ));
            }
        }
        if direction == Direction::Output
            && (f.min_length.is_some()
                || f.max_length.is_some()
                || f.minimum.is_some()
                || f.maximum.is_some())
        {
            errors.push(format!("{here}: constraints apply to parameters only"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `validate` of the VPC spec with its `[tasks]` replaced: the messages about it.
    fn task_errors(tasks: Option<TaskQueryFile>) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut services = load(&root).expect("spec/ loads");
        let vpc = services
            .iter_mut()
            .find(|s| s.service.name == "vpc")
            .expect("vpc");
        vpc.service.tasks = tasks;
        validate(vpc)
            .into_iter()
            .filter(|e| e.contains(": tasks"))
            .collect()
    }

    #[test]
    fn the_task_query_must_name_an_action_and_a_parameter_of_the_service() {
        let query = |action: &str, id: &str, status: &str, succeeded: &[i64], failed: &[i64]| {
            Some(TaskQueryFile {
                action: action.into(),
                id_param: id.into(),
                status: status.into(),
                succeeded: succeeded.to_vec(),
                failed: failed.to_vec(),
            })
        };
        fn check(errors: Vec<String>, expected: &[&str]) {
            assert_eq!(errors.len(), expected.len(), "{errors:?}");
            for (e, want) in errors.iter().zip(expected) {
                assert!(e.contains(want), "{e} lacks {want}");
            }
        }
        check(task_errors(None), &[]);
        check(
            task_errors(query(
                "DescribeVpcTaskResult",
                "taskId",
                "data.status",
                &[0],
                &[1],
            )),
            &[],
        );
        check(
            task_errors(query("NoSuchAction", "taskId", "data.status", &[0], &[1])),
            &["tasks.action: `NoSuchAction` is not an action of this service"],
        );
        check(
            task_errors(query(
                "DescribeVpcTaskResult",
                "id",
                "data.status",
                &[0],
                &[1],
            )),
            &["tasks.id_param: `id` is not a parameter of DescribeVpcTaskResult"],
        );
        check(
            task_errors(query(
                "DescribeVpcTaskResult",
                "taskId",
                "data..status",
                &[0],
                &[0],
            )),
            &["tasks.status", "tasks.succeeded"],
        );
    }
}
