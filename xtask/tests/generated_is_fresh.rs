//! Fails when the checked-in generated code differs from what spec/ and the templates produce.

#[test]
fn generated_code_is_fresh() {
    let root = xtask::workspace_root();
    let files =
        xtask::generate(&root).unwrap_or_else(|e| panic!("spec/ is invalid:\n{}", e.join("\n")));
    let problems = xtask::stale_files(&root, &files);
    assert!(
        problems.is_empty(),
        "generated code is out of date:\n{}\nrun `cargo xtask codegen` and commit the result",
        problems.join("\n")
    );
}
