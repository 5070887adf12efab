//! What one call may hold of the host: the per-call limits a store
//! enforces ([`CallLimits`]) and the per-component caps the engine's pool
//! is sized with. Both the engine and the store read them from here.

use std::time::Duration;

/// Largest linear memory a component may grow to.
pub const DEFAULT_MEMORY_LIMIT: usize = 64 << 20;

/// Per-call resource limits: whatever a component does, one call holds at
/// most this much of the host.
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// Largest linear memory, in bytes. A call has one memory
    /// (`MEMORIES_PER_CALL`), so this is the whole call's.
    pub memory_bytes: usize,
    /// CPU time a call may run before it is stopped (counted in epoch ticks).
    pub cpu: Duration,
    /// Wall-clock time a call may take, waiting on Zoom included.
    pub wall_clock: Duration,
    /// Requests one call may make in all.
    pub max_requests: u32,
    /// Requests one call may have waiting for an answer at once.
    pub max_in_flight: u32,
    /// Bytes of one request body.
    pub max_request_body: usize,
    /// Bytes of the result a component returns.
    pub max_reply: usize,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            memory_bytes: DEFAULT_MEMORY_LIMIT,
            cpu: Duration::from_secs(10),
            wall_clock: Duration::from_secs(120),
            // A call is one page (a transcript two requests, redirects a
            // few more): these leave room for any real action.
            max_requests: 1_000,
            max_in_flight: 8,
            max_request_body: 10 << 20,
            max_reply: 32 << 20,
        }
    }
}

impl CallLimits {
    /// What the egress hook enforces.
    pub fn egress(&self) -> crate::egress::EgressLimits {
        crate::egress::EgressLimits {
            max_requests: self.max_requests,
            max_in_flight: self.max_in_flight,
            max_request_body: self.max_request_body,
        }
    }
}

/// Linear memories one call may have: a component built by wit-bindgen
/// has one, so a multi-memory component cannot multiply the memory cap.
pub const MEMORIES_PER_CALL: usize = 1;
/// Core instances one call may have (a wit-bindgen component has a few).
pub const INSTANCES_PER_CALL: usize = 16;
/// Tables one call may have.
pub const TABLES_PER_CALL: usize = 16;
