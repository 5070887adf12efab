//! The bindings generated for the `wrk:zoom/zoom-action` world (from
//! `wit/`), reached from outside only through `__bindings`, which
//! [`export_action!`](crate::export_action) expands to.

// Generated; the WIT documents it.
#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../../wit/v0.2.0",
    world: "wrk:zoom/zoom-action",
    pub_export_macro: true,
    export_macro_name: "__export_zoom_action",
    default_bindings_module: "wrk_zoom_sdk::__bindings",
});
