//! What a component may import, one capability at a time.
//!
//! A capability is three pieces: its interfaces added to the linker here,
//! its per-call state as one field of [`CallState`] (made fresh for each
//! call in [`super::store::new_store`]), and, when something outside calls
//! in, a route in `crate::server`. Today there are two: WASI with nothing
//! granted, and `wasi:http`, whose requests all leave through the egress
//! hooks (`crate::egress`, the call state's `hooks`). Triggers (Zoom's
//! events handed to a component) will be the third: their interface here,
//! their per-call state beside `hooks`, their inbound route in the server.

use super::store::CallState;
use wasmtime::Engine;
use wasmtime::component::Linker;

/// The linker every action is instantiated with.
pub fn linker(engine: &Engine) -> wasmtime::Result<Linker<CallState>> {
    let mut linker = Linker::<CallState>::new(engine);
    // Clocks, random and streams; the call's WasiCtx grants nothing else.
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    // Outbound HTTP only (no incoming handler), through the egress hooks.
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    Ok(linker)
}
