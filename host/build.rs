//! Builds the action components (`components/actions/*`) for wasm32-wasip2
//! and embeds them in the binary as its built-in actions.

fn main() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let built = wrk_zoom_builder::build_group(&workspace, "actions");
    wrk_zoom_builder::write_embedding(&built, "builtin_actions.rs", "BUILTIN_ACTIONS");
}
