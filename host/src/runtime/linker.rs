//! What a component may import, one capability at a time.
//!
//! A capability is three pieces: its interfaces added to the linker here,
//! its per-call state as one field of [`CallState`] (made fresh for each
//! call in [`super::store::new_store`]), and, when something outside calls
//! in, a route in `crate::server`. Actions get WASI with nothing granted
//! and `wasi:http`, whose requests all leave through the egress hooks
//! (`crate::egress`, the call state's `hooks`). Triggers get less
//! ([`trigger_linker`]): no network, no clock, no randomness, no files.

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

/// The linker every trigger is instantiated with. The `zoom-trigger` world
/// imports nothing; a component compiled from Rust's standard library still
/// imports what its start-up and panic reporting use (streams, stdio,
/// environment, exit, terminals), which the call's empty `WasiCtx` answers
/// with nothing: no variables, no input, output discarded. Clocks, random,
/// files, sockets and HTTP are not linked, so a trigger that imports them
/// does not load.
pub fn trigger_linker(engine: &Engine) -> wasmtime::Result<Linker<CallState>> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView};
    use wasmtime_wasi::p2::bindings::cli;
    let mut linker = Linker::<CallState>::new(engine);
    wasmtime_wasi_io::add_to_linker_async(&mut linker)?;
    let l = &mut linker;
    cli::exit::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::environment::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::stdin::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::stdout::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::stderr::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_input::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_output::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_stdin::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_stdout::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_stderr::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    Ok(linker)
}
