//! The state of one call's [`Store`]: WASI with nothing granted but
//! `wasi:http` through the egress hooks, a memory cap, and a CPU deadline
//! counted in epoch ticks. A fresh store is made for every call, so nothing
//! carries over between calls.

use crate::egress::EgressHooks;
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Per-call resource limits.
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// CPU time a call may run before it is stopped (counted in epoch ticks).
    pub cpu: Duration,
    /// Wall-clock time a call may take, waiting on Zoom included.
    pub wall_clock: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            memory_bytes: super::engine::DEFAULT_MEMORY_LIMIT,
            cpu: Duration::from_secs(10),
            wall_clock: Duration::from_secs(120),
        }
    }
}

/// Raised (as the call's error) when a call exhausts its CPU deadline.
#[derive(Debug, thiserror::Error)]
#[error("the call ran past its CPU deadline")]
pub struct DeadlineExceeded;

/// What a call's store holds: WASI with nothing granted, `wasi:http` through
/// the egress hooks, and the store limits.
pub struct CallState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: EgressHooks,
    limits: StoreLimits,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// A fresh store for one call.
pub fn new_store(engine: &Engine, hooks: EgressHooks, limits: &CallLimits) -> Store<CallState> {
    let state = CallState {
        // No environment, arguments, files, stdio or sockets: only wasi:http.
        wasi: WasiCtx::builder().build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        hooks,
        limits: StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    let budget = (limits.cpu.as_millis() / super::engine::EPOCH_TICK.as_millis()).max(1) as u64;
    let mut ticks = 0u64;
    store.set_epoch_deadline(1);
    // Yield to the runtime every tick (so wall-clock timeouts can fire) and
    // stop the call once it has used its CPU budget.
    store.epoch_deadline_callback(move |_| {
        ticks += 1;
        if ticks > budget {
            Err(DeadlineExceeded.into())
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    });
    store
}
