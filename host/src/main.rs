//! `wrk-zoom`: the command line over the host library (see `cli`).

mod cli;

/// Calls allocate and free many small objects across threads; mimalloc
/// spends a fraction of glibc's CPU on them (docs/src/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
