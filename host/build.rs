//! Builds the action components (`components/actions/*`) and the trigger
//! components (`components/triggers/*`) for wasm32-wasip2 and embeds them in
//! the binary as its built-in actions and triggers; composes each action
//! with the gateway (`components/gateway`) into `<action>.http.wasm` beside
//! it.

fn main() {
    // Read when the script runs, not when it is compiled: a build script
    // compiled in another checkout sharing the target directory must still
    // build this one's components.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo runs build scripts");
    let workspace = std::path::Path::new(&manifest).join("..");
    let built = wrk_zoom_builder::build_group_with_gateway(&workspace, "actions");
    wrk_zoom_builder::write_embedding(&built, "builtin_actions.rs", "BUILTIN_ACTIONS");
    let triggers = wrk_zoom_builder::build_group(&workspace, "triggers");
    wrk_zoom_builder::write_embedding(&triggers, "builtin_triggers.rs", "BUILTIN_TRIGGERS");
}
