//! Host-side bindings for the `wrk:zoom/zoom-action` world (from `wit/`).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "wrk:zoom/zoom-action",
    exports: { default: async },
});

pub use exports::wrk::zoom::action::Guest as ActionExports;
pub use wrk::zoom::types;
