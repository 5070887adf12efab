//! The state of one call's [`Store`]: WASI with nothing granted but
//! `wasi:http` through the egress hooks, a memory cap, and a CPU deadline
//! counted in epoch ticks. A fresh store is made for every call, so nothing
//! carries over between calls.

use super::limits::{CallLimits, INSTANCES_PER_CALL, MEMORIES_PER_CALL, TABLES_PER_CALL};
use crate::egress::EgressHooks;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Resources (requests, bodies, streams) one call may hold at once.
const RESOURCES_PER_CALL: usize = 4_096;

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

impl wasmtime_wasi_io::IoView for CallState {
    fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
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
        table: {
            let mut table = ResourceTable::new();
            table.set_max_capacity(RESOURCES_PER_CALL);
            table
        },
        hooks,
        limits: StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .memories(MEMORIES_PER_CALL)
            .instances(INSTANCES_PER_CALL)
            .tables(TABLES_PER_CALL)
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::component::{Component, Linker};

    /// Two core instances with a memory each: one call may have one memory,
    /// so this component may not run (it would double the memory cap).
    const TWO_MEMORIES: &str = r#"(component
        (core module $m (memory 1))
        (core instance $a (instantiate $m))
        (core instance $b (instantiate $m)))"#;

    #[tokio::test]
    async fn a_component_with_more_memories_than_a_call_may_have_does_not_run() {
        let engine = super::super::engine::new_engine(4, 1 << 20).unwrap();
        let bytes = wat::parse_str(TWO_MEMORIES).unwrap();
        let refused = match Component::new(&engine, &bytes) {
            Err(e) => format!("{e:#}"),
            Ok(component) => {
                let linker = Linker::<CallState>::new(&engine);
                let mut store = new_store(&engine, EgressHooks::sealed(), &CallLimits::default());
                match linker.instantiate_async(&mut store, &component).await {
                    Err(e) => format!("{e:#}"),
                    Ok(_) => panic!("a component with two memories ran"),
                }
            }
        };
        assert!(refused.contains("memor"), "{refused}");
    }
}
