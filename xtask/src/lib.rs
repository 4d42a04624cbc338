//! qcapi's maintainer tasks as a library, so tests can run code generation in memory.
#![allow(missing_docs)] // An internal tool: its model types are documented by their module docs.

pub mod model;
pub mod spec;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use askama::Template;

use model::{ActionModel, CommonCodeModel, ServiceModel};

/// Where generated code goes, relative to the workspace root.
pub const GENERATED_DIR: &str = "crates/qcapi-core/src/generated";

#[derive(Template)]
#[template(path = "action.askama", escape = "none")]
struct ActionTemplate<'a> {
    a: &'a ActionModel,
}

#[derive(Template)]
#[template(path = "types.askama", escape = "none")]
struct TypesTemplate<'a> {
    m: &'a ServiceModel,
}

#[derive(Template)]
#[template(path = "service.askama", escape = "none")]
struct ServiceTemplate<'a> {
    m: &'a ServiceModel,
}

#[derive(Template)]
#[template(path = "error_code.askama", escape = "none")]
struct ErrorCodeTemplate<'a> {
    m: &'a ServiceModel,
}

#[derive(Template)]
#[template(path = "catalog.askama", escape = "none")]
struct CatalogTemplate<'a> {
    m: &'a ServiceModel,
}

struct CodeView<'a> {
    variant: &'a str,
    code: i64,
    doc: &'a str,
    doc_literal: String,
}

#[derive(Template)]
#[template(path = "root.askama", escape = "none")]
struct RootTemplate<'a> {
    services: &'a [ServiceModel],
    codes: Vec<CodeView<'a>>,
    retryable_pattern: String,
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Loads, validates and lowers every service under `root/spec`.
pub fn load_models(root: &Path) -> Result<Vec<ServiceModel>, Vec<String>> {
    let specs = spec::load(root)?;
    let errors: Vec<String> = specs.iter().flat_map(spec::validate).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(specs.iter().map(model::lower).collect())
}

/// Renders every generated file: paths relative to the workspace root, formatted contents.
pub fn generate(root: &Path) -> Result<Vec<(PathBuf, String)>, Vec<String>> {
    let models = load_models(root)?;
    let render_err = |e: askama::Error| vec![format!("template error: {e}")];
    let mut files = Vec::new();
    let dir = PathBuf::from(GENERATED_DIR);
    let common: Vec<&CommonCodeModel> = models.iter().flat_map(|m| &m.common_codes).collect();
    let root_file = RootTemplate {
        services: &models,
        codes: common
            .iter()
            .map(|c| CodeView {
                variant: &c.variant,
                code: c.code,
                doc: &c.doc,
                doc_literal: format!("{:?}", c.doc),
            })
            .collect(),
        retryable_pattern: {
            let v: Vec<String> = common
                .iter()
                .filter(|c| c.retryable)
                .map(|c| format!("Self::{}", c.variant))
                .collect();
            if v.is_empty() {
                "Self::Other(_) if false".to_owned()
            } else {
                v.join(" | ")
            }
        },
    }
    .render()
    .map_err(render_err)?;
    files.push((dir.join("mod.rs"), root_file));
    for m in &models {
        let service_dir = dir.join(&m.module);
        files.push((
            service_dir.join("mod.rs"),
            ServiceTemplate { m }.render().map_err(render_err)?,
        ));
        files.push((
            service_dir.join("types.rs"),
            TypesTemplate { m }.render().map_err(render_err)?,
        ));
        files.push((
            service_dir.join("error_code.rs"),
            ErrorCodeTemplate { m }.render().map_err(render_err)?,
        ));
        files.push((
            service_dir.join("catalog.rs"),
            CatalogTemplate { m }.render().map_err(render_err)?,
        ));
        for a in &m.actions {
            files.push((
                service_dir.join(format!("{}.rs", a.module)),
                ActionTemplate { a }.render().map_err(render_err)?,
            ));
        }
    }
    let mut formatted = Vec::with_capacity(files.len());
    for (path, text) in files {
        let text = rustfmt(&text).map_err(|e| vec![format!("{}: {e}", path.display())])?;
        formatted.push((path, text));
    }
    formatted.sort();
    Ok(formatted)
}

/// Formats Rust source with the toolchain's rustfmt, so `cargo fmt --check` agrees.
pub fn rustfmt(source: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run rustfmt ({e}); install it with `rustup component add rustfmt`")
        })?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "rustfmt writer panicked".to_owned())?
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "rustfmt rejected generated code (a template bug):\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// Every `.rs` file currently under the generated directory.
pub fn existing_generated(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join(GENERATED_DIR), root, &mut out);
    out.sort();
    out
}

/// Differences between generated and checked-in code: stale, missing or extra files.
pub fn stale_files(root: &Path, files: &[(PathBuf, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        match std::fs::read_to_string(root.join(path)) {
            Ok(current) if current == *text => {}
            Ok(_) => problems.push(format!("{} is stale", path.display())),
            Err(_) => problems.push(format!("{} is missing", path.display())),
        }
    }
    for path in existing_generated(root) {
        if !files.iter().any(|(p, _)| *p == path) {
            problems.push(format!(
                "{} should not exist (its action was removed)",
                path.display()
            ));
        }
    }
    problems
}

/// Writes generated files and deletes generated files that no spec produces any more.
pub fn write_generated(root: &Path, files: &[(PathBuf, String)]) -> std::io::Result<usize> {
    let mut changed = 0;
    for path in existing_generated(root) {
        if !files.iter().any(|(p, _)| *p == path) {
            std::fs::remove_file(root.join(&path))?;
            changed += 1;
        }
    }
    for (path, text) in files {
        let full = root.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&full, text)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// The skeleton `cargo xtask new-action` writes.
pub fn action_skeleton(name: &str, family: &str) -> String {
    format!(
        r#"# Spec of the legacy action {name}. Run `cargo xtask codegen` after editing.
# Keys: see README.md, "Adding an action". Unknown keys are errors.
name = "{name}"
family = "{family}"
summary = "TODO: one sentence saying what {name} does."
# doc_url = "https://cloud.tencent.com/document/api/215/..."
idempotent = false      # true if sending it twice is harmless (Describe*, renames)
asynchronous = false    # true if it returns a taskId to poll with DescribeVpcTaskResult
# documented = false    # set when only the parameter names are known (e.g. from qcloudcli)

[[param]]
name = "vpcId"          # the wire name, exactly as the API spells it
type = "string"         # string | integer | boolean | float | json | object | <SharedType> | list<...>
required = true
doc = "TODO: what the parameter means."
# max_length = 60 / min_length / minimum / maximum / allowed = ["a", "b"]

# [[output]]
# name = "taskId"
# type = "integer"
# doc = "Task to poll with DescribeVpcTaskResult."

# [[error]]
# code = "InvalidVpc.NotFound"
# doc = "The VPC does not exist."
"#
    )
}

/// The actions the emulator models, as its own handler table registers them
/// (`qcapi-emulator --modelled-actions`, built and run through cargo).
pub fn emulator_modelled_actions(root: &Path) -> Result<Vec<String>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "-p",
            "qcapi-emulator",
            "--",
            "--modelled-actions",
        ])
        .output()
        .map_err(|e| format!("cannot run the emulator: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "qcapi-emulator --modelled-actions failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().map(str::to_owned).collect())
}
