//! Compiles component crates to `wasm32-wasip2` from a build script, so that
//! `cargo build` / `cargo test` build the components with no extra step.
//!
//! The nested cargo uses its own target directory beside the outer one (a
//! shared one would deadlock on cargo's build lock) and the `wasm-release`
//! profile, so components are small and fast whatever profile the host is
//! built in.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo profile components are built with (see the workspace
/// Cargo.toml: size-optimised, LTO, one codegen unit).
pub const PROFILE: &str = "wasm-release";

/// One built component.
pub struct Built {
    /// Crate (and action) name, e.g. `retrieve-meetings`.
    pub name: String,
    /// Absolute path of the `.wasm` component.
    pub path: PathBuf,
}

/// The crate names below `dir` (each subdirectory with a `Cargo.toml`), sorted.
pub fn crates_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Builds every crate below `workspace/components/<group>` for
/// `wasm32-wasip2` and returns the components. Call from a build script.
pub fn build_group(workspace: &Path, group: &str) -> Vec<Built> {
    let dir = workspace.join("components").join(group);
    let names = crates_in(&dir);
    for watched in ["components", "wit", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    if names.is_empty() {
        return Vec::new();
    }

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a build script"));
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .unwrap_or(&out_dir)
        .join("wasm-components");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args([
            "build",
            "--profile",
            PROFILE,
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target_dir);
    for name in &names {
        command.args(["-p", name]);
    }
    // Flags meant for the host build must not leak into the wasm build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the components: {e}"));
    assert!(
        status.success(),
        "building the {group} components for wasm32-wasip2 failed (see the errors above); \
         `rustup target add wasm32-wasip2` if the target is missing"
    );

    names
        .into_iter()
        .map(|name| {
            let path = target_dir
                .join("wasm32-wasip2")
                .join(PROFILE)
                .join(format!("{}.wasm", name.replace('-', "_")));
            assert!(path.is_file(), "{} was not built", path.display());
            Built { name, path }
        })
        .collect()
}

/// Writes `$OUT_DIR/<file>` with a `&[(&str, &[u8])]` constant `const_name`
/// that embeds the components.
pub fn write_embedding(built: &[Built], file: &str, const_name: &str) {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a build script"));
    let mut source = format!("pub const {const_name}: &[(&str, &[u8])] = &[\n");
    for b in built {
        source.push_str(&format!(
            "    ({:?}, include_bytes!({:?})),\n",
            b.name,
            b.path.display().to_string()
        ));
    }
    source.push_str("];\n");
    std::fs::write(out_dir.join(file), source).expect("write the component list");
}
