//! The wasmtime side of the host: the engine and its epoch clock
//! ([`engine`]), compiling and caching components ([`compiler`]), the
//! generated bindings of the contract ([`bindings`]), and one call's store
//! ([`store`]).

pub(crate) mod bindings;
pub(crate) mod compiler;
pub(crate) mod engine;
pub(crate) mod store;
