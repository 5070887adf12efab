//! The one wasmtime [`Engine`] of a host and its epoch clock.
//!
//! Owns the engine configuration in one place: component model, async,
//! pooling allocator with copy-on-write memory images, and epoch
//! interruption driven by a background ticker. Every store created by the
//! host relies on the ticker to enforce its CPU deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; CPU deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Instance slots beyond the calls', for loading components; at most this
/// many loads instantiate at once (`Host::load` holds a permit).
pub const LOAD_SLOTS: u32 = 2;

/// Bytes of a slot's linear memory and tables kept mapped between calls and
/// reset in place. A call of a built-in action touches well under this, so
/// the next call in the slot starts with no page faults and no `madvise`
/// (measured: a quarter of serve's CPU per call, 108 of 438 µs, went to
/// faulting the same pages in again and to the kernel's unmapping of them).
pub const KEEP_RESIDENT: usize = 16 << 20;

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
        .max_tables_per_component(super::limits::TABLES_PER_CALL as u32)
        // A slot's memory goes back to its initial image after every call
        // (only the pages the call touched, found with Linux's PAGEMAP_SCAN
        // where the kernel has it, else the lowest KEEP_RESIDENT bytes),
        // instead of being handed back to the kernel and faulted in again.
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);

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

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Instance, Module, Store};

    /// Writes a secret past its data, overwrites its data, grows its memory
    /// and writes there too; `peek` reads a byte, `size` the pages.
    const MODULE: &str = r#"(module
        (memory (export "memory") 1)
        (data (i32.const 16) "public")
        (func (export "spill")
            (i32.store8 (i32.const 16) (i32.const 88))
            (i32.store (i32.const 4096) (i32.const 0x5ec12e7))
            (drop (memory.grow (i32.const 1)))
            (i32.store (i32.const 70000) (i32.const 0x5ec12e7)))
        (func (export "peek") (param i32) (result i32)
            (i32.load8_u (local.get 0)))
        (func (export "size") (result i32) (memory.size)))"#;

    #[test]
    fn a_reused_slot_shows_the_next_instance_nothing_of_the_last() {
        let engine = new_engine(1, 1 << 20).unwrap();
        let module = Module::new(&engine, wat::parse_str(MODULE).unwrap()).unwrap();
        // More rounds than the pool has memory slots: slots are reused,
        // whichever the pool picks.
        for round in 0..30 {
            let mut store = Store::new(&engine, ());
            store.set_epoch_deadline(1);
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let peek = instance
                .get_typed_func::<i32, i32>(&mut store, "peek")
                .unwrap();
            let size = instance
                .get_typed_func::<(), i32>(&mut store, "size")
                .unwrap();
            assert_eq!(
                size.call(&mut store, ()).unwrap(),
                1,
                "round {round}: grown pages kept"
            );
            assert_eq!(
                peek.call(&mut store, 16).unwrap(),
                b'p' as i32,
                "round {round}: data not reset"
            );
            for at in [4096, 4097, 4098, 4099] {
                assert_eq!(
                    peek.call(&mut store, at).unwrap(),
                    0,
                    "round {round}: byte {at} kept"
                );
            }
            let spill = instance
                .get_typed_func::<(), ()>(&mut store, "spill")
                .unwrap();
            spill.call(&mut store, ()).unwrap();
            assert_eq!(peek.call(&mut store, 4096).unwrap(), 0xe7);
        }
    }
}
