//! Builds the test-only components (`components/testing/*`: an egress probe,
//! a runaway loop, a token echo, a second version of retrieve-user) for the
//! end-to-end tests.

fn main() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = wrk_zoom_builder::build_group(&workspace, "testing");
    wrk_zoom_builder::write_embedding(&built, "test_components.rs", "TEST_COMPONENTS");
}
