//! Builds the test-only components (`components/testing/*`: an egress probe,
//! a runaway loop, a token echo, a second version of retrieve-user) for the
//! end-to-end tests.

fn main() {
    // Read when the script runs, not when it is compiled: a build script
    // compiled in another checkout sharing the target directory must still
    // build this one's components.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo runs build scripts");
    let workspace = std::path::Path::new(&manifest).join("../..");
    let built = wrk_zoom_builder::build_group(&workspace, "testing");
    wrk_zoom_builder::write_embedding(&built, "test_components.rs", "TEST_COMPONENTS");
}
