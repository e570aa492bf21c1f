//! Snapshot of the generated public surface. A spec change that alters what users of the client crates
//! get shows up here as a few readable lines; review them before accepting (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test -p xtask --test surface` and read the diff).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn generated_surface() {
    let root = xtask::workspace_root();
    for target in xtask::TARGETS {
        let specs = xtask::read_specs(&root, target).unwrap();
        let source = std::fs::read_to_string(root.join(target.output)).unwrap();
        let summary = xtask::surface::summarize(target, &specs, &source).unwrap();
        insta::assert_snapshot!(target.name, summary);
    }
}
