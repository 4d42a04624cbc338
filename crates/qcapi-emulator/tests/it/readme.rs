//! README's table of modelled actions is read from the handler registrations.

use std::collections::BTreeMap;

/// The table the registrations make: one row per spec family, actions sorted.
fn table() -> String {
    let mut families: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for action in qcapi_emulator::modelled_actions() {
        let spec = qcapi_core::vpc::catalog::find(action).expect("a catalog action");
        families.entry(spec.family).or_default().push(action);
    }
    let mut out = String::from("| family | modelled actions |\n|---|---|\n");
    for (family, mut actions) in families {
        actions.sort_unstable();
        out.push_str(&format!("| {family} | {} |\n", actions.join(", ")));
    }
    out
}

#[test]
fn the_readme_lists_exactly_the_registered_actions() {
    let readme = include_str!("../../../../README.md");
    let begin = "<!-- modelled-actions: begin -->\n";
    let end = "<!-- modelled-actions: end -->";
    let start = readme.find(begin).expect("the begin marker") + begin.len();
    let stop = readme[start..].find(end).expect("the end marker") + start;
    let expected = table();
    assert_eq!(
        &readme[start..stop],
        expected,
        "README.md's table is stale; put this between the markers:\n{expected}"
    );
}
