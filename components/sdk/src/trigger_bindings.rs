//! The bindings generated for the `wrk:zoom/zoom-trigger` world (from
//! `wit/v0.3.0`, the first version with triggers), reached from outside only
//! through `__trigger_bindings`, which
//! [`export_trigger!`](crate::export_trigger) expands to.

// Generated; the WIT documents it.
#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../../wit/v0.3.0",
    world: "wrk:zoom/zoom-trigger",
    pub_export_macro: true,
    export_macro_name: "__export_zoom_trigger",
    default_bindings_module: "wrk_zoom_sdk::__trigger_bindings",
});
