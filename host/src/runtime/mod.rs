//! The wasmtime side of the host: the engine and its epoch clock
//! ([`engine`]), compiling components ([`compiler`]) with a cache of
//! compiled code that is trusted only when it is ours ([`cache`]), the
//! generated bindings of the contract ([`bindings`]), what a component may
//! import ([`linker`], one capability at a time), what one call may hold
//! ([`limits`]), and one call's store ([`store`]).

pub(crate) mod bindings;
pub(crate) mod cache;
pub(crate) mod compiler;
pub(crate) mod engine;
pub(crate) mod limits;
pub(crate) mod linker;
pub(crate) mod store;
