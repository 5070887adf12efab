//! `wrk-zoom`: the command line over the host library (see `cli`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
