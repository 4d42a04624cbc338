//! Proves README's "Adding an action" walk-through: a spec skeleton written by
//! `new-action` generates code that compiles and signs a request, in a scratch copy
//! of the workspace (the real tree is never touched).

use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn a_new_spec_file_becomes_a_usable_type() {
    let root = xtask::workspace_root();
    let scratch: PathBuf =
        std::env::temp_dir().join(format!("qcapi-walkthrough-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(&root.join("spec"), &scratch.join("spec"));
    copy_dir(
        &root.join("crates/qcapi-core"),
        &scratch.join("crates/qcapi-core"),
    );
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let manifest = manifest
        .lines()
        .map(|l| {
            if l.starts_with("members") {
                r#"members = ["crates/qcapi-core"]"#
            } else {
                l
            }
        })
        .filter(|l| !l.starts_with("default-members"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(scratch.join("Cargo.toml"), manifest).unwrap();

    // Step 1: the skeleton `cargo xtask new-action` writes (its TODO text is valid spec).
    std::fs::write(
        scratch.join("spec/vpc/actions/DescribeWalkthroughThing.toml"),
        xtask::action_skeleton("DescribeWalkthroughThing", "misc"),
    )
    .unwrap();
    // Step 2: codegen.
    let files = xtask::generate(&scratch).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    xtask::write_generated(&scratch, &files).unwrap();
    assert!(
        scratch
            .join(xtask::GENERATED_DIR)
            .join("vpc/describe_walkthrough_thing.rs")
            .is_file()
    );
    // Step 3: the new type is usable: required parameter in `new`, validated, signed, in the catalog.
    std::fs::write(
        scratch.join("crates/qcapi-core/tests/walkthrough.rs"),
        r#"
use qcapi_core::{build_request, vpc, Config, Credentials, SignContext};
#[test]
fn new_action_is_usable() {
    let config = Config::builder().credentials(Credentials::new("id", "key")).build().unwrap();
    let request = build_request(&vpc::DescribeWalkthroughThing::new("vpc-1"), &config, SignContext::new(1, 2)).unwrap();
    assert!(request.string_to_sign().contains("Action=DescribeWalkthroughThing"));
    assert!(request.string_to_sign().contains("vpcId=vpc-1"));
    assert!(vpc::catalog::find("DescribeWalkthroughThing").is_some());
}
"#,
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "test",
            "--offline",
            "--quiet",
            "-p",
            "qcapi-core",
            "--test",
            "walkthrough",
        ])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .status()
        .expect("run cargo");
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        status.success(),
        "the generated code for a new action did not compile or work"
    );
}
