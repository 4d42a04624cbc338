//! `cargo xtask`: code generation from spec/, spec checks and new-action skeletons.

use std::process::ExitCode;

use xtask::{action_skeleton, generate, stale_files, workspace_root, write_generated};

const USAGE: &str = "usage:
  cargo xtask codegen [--check]       render spec/ into crates/qcapi-core/src/generated
  cargo xtask check-spec              validate spec/ and report what it found
  cargo xtask new-action <Name> [--family F] [--service S]
                                      write spec/<S>/actions/<Name>.toml (S defaults to vpc)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen(args.iter().any(|a| a == "--check")),
        Some("check-spec") => check_spec(),
        Some("new-action") => new_action(&args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn codegen(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let files = generate(&root).map_err(|e| e.join("\n"))?;
    if check {
        let problems = stale_files(&root, &files);
        if problems.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return Ok(());
        }
        return Err(format!(
            "{}\nrun `cargo xtask codegen`",
            problems.join("\n")
        ));
    }
    let changed = write_generated(&root, &files).map_err(|e| e.to_string())?;
    println!("{} files generated, {changed} changed", files.len());
    Ok(())
}

fn check_spec() -> Result<(), String> {
    let root = workspace_root();
    let models = xtask::load_models(&root).map_err(|e| e.join("\n"))?;
    let modelled = xtask::emulator_modelled_actions(&root);
    for m in &models {
        let undocumented = m.actions.iter().filter(|a| !a.documented).count();
        println!(
            "spec/{}: {} actions ({} undocumented), {} shared types, {} common codes, {} business codes: OK",
            m.module,
            m.actions.len(),
            undocumented,
            m.shared_types.len(),
            m.common_codes.len(),
            m.error_codes.len()
        );
        match &modelled {
            Ok(names) => {
                let shape_only: Vec<&str> = m
                    .actions
                    .iter()
                    .map(|a| a.name.as_str())
                    .filter(|n| !names.iter().any(|s| s == n))
                    .collect();
                println!(
                    "emulator: {} actions modelled, {} answered from the spec's output shape only:",
                    m.actions.len() - shape_only.len(),
                    shape_only.len()
                );
                for chunk in shape_only.chunks(4) {
                    println!("  {}", chunk.join(", "));
                }
            }
            Err(why) => println!("emulator: {why}"),
        }
    }
    Ok(())
}

fn new_action(args: &[String]) -> Result<(), String> {
    let name = args.first().filter(|n| !n.starts_with("--")).ok_or(USAGE)?;
    if !xtask::spec::is_pascal(name) {
        return Err(format!("`{name}` is not a PascalCase action name"));
    }
    let flag = |f: &str| args.windows(2).find(|w| w[0] == f).map(|w| w[1].clone());
    let family = flag("--family").unwrap_or_else(|| "misc".to_owned());
    let service = flag("--service").unwrap_or_else(|| "vpc".to_owned());
    let path = workspace_root()
        .join("spec")
        .join(&service)
        .join("actions")
        .join(format!("{name}.toml"));
    if path.exists() {
        return Err(format!("{} already exists", path.display()));
    }
    std::fs::write(&path, action_skeleton(name, &family))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "wrote {}; fill in the TODOs, then run `cargo xtask codegen`",
        path.display()
    );
    Ok(())
}
