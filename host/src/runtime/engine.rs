//! The one wasmtime [`Engine`] of a host and its epoch clock.
//!
//! Owns the engine configuration in one place: component model, async,
//! pooling allocator with copy-on-write memory images, and epoch
//! interruption driven by a background ticker. Every store created by the
//! host relies on the ticker to enforce its CPU deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; CPU deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Instance slots beyond the calls', for loading components; at most this
/// many loads instantiate at once (`Host::load` holds a permit).
pub const LOAD_SLOTS: u32 = 2;

/// Builds the engine. `max_concurrent_calls` sizes the instance pool.
pub fn new_engine(max_concurrent_calls: u32, memory_limit: usize) -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    // Slots for calls, plus a few for loading components (each load runs
    // `describe()` in an instance of its own): compiling in the background
    // (`Host::warm_up`) must never take the slot a call needs.
    let slots = max_concurrent_calls + LOAD_SLOTS;
    // A component built by wit-bindgen holds a handful of core
    // instances, memories and tables; leave room for several per call.
    pool.total_component_instances(slots)
        .total_core_instances(slots * 8)
        .total_memories(slots * 4)
        .total_tables(slots * 8)
        .total_stacks(slots)
        .max_memory_size(memory_limit)
        // Per component, so one cannot take the pool's slots from the
        // calls running beside it (see runtime::limits for per-call limits).
        .max_core_instances_per_component(super::limits::INSTANCES_PER_CALL as u32)
        .max_memories_per_component(super::limits::MEMORIES_PER_CALL as u32)
        .max_tables_per_component(super::limits::TABLES_PER_CALL as u32);

    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_init_cow(true)
        // Reserve only what a component may use (not 4 GiB per slot), so
        // many pooled slots fit in the address space.
        .memory_reservation(memory_limit as u64)
        .memory_reservation_for_growth(0)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub fn start(engine: &Engine) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let (engine, flag) = (engine.weak(), stop.clone());
        std::thread::Builder::new()
            .name("wrk-zoom-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .expect("spawn the epoch ticker thread");
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
