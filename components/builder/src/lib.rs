//! Compiles component crates to `wasm32-wasip2` from a build script, so that
//! `cargo build` / `cargo test` build the components with no extra step.
//!
//! - The nested cargo uses its own target directory beside the outer one (a
//!   shared one would deadlock on cargo's build lock).
//! - Release and bench builds of the host get size-optimised components
//!   (`wasm-release`); dev and test builds get quickly built ones
//!   (`wasm-dev`), see the workspace `Cargo.toml`.
//! - The `wasm32-wasip2` target is checked before anything is built and
//!   installed through rustup when missing ([`ensure_wasm_target`]).
//! - Rebuild triggers come from the dependency files the nested cargo writes
//!   (as wasmtime's build scripts do), so a change to the host alone never
//!   reruns the component build.
//! - [`build_group_with_gateway`] also builds the gateway
//!   (`components/gateway`) and composes it with each component into
//!   `<name>.http.wasm` beside it ([`compose`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod compose;

/// The target the components are compiled for.
pub const TARGET: &str = "wasm32-wasip2";

/// The cargo profile of components built for a host built in cargo profile
/// `host_profile` (the `PROFILE` a build script sees: `release` or `debug`).
pub fn component_profile(host_profile: &str) -> &'static str {
    if host_profile == "release" {
        "wasm-release"
    } else {
        "wasm-dev"
    }
}

/// One built component.
pub struct Built {
    /// Crate (and action) name, e.g. `retrieve-meetings`.
    pub name: String,
    /// Absolute path of the `.wasm` component.
    pub path: PathBuf,
}

/// The crate names below `dir` (each subdirectory with a `Cargo.toml`), sorted.
pub fn crates_in(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.path().join("Cargo.toml").is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Builds every crate below `workspace/components/<group>` for
/// `wasm32-wasip2` and returns the components. Call from a build script; on
/// failure it prints one clear error and exits the build script.
pub fn build_group(workspace: &Path, group: &str) -> Vec<Built> {
    or_exit(try_build(workspace, group, &[]).map(|(built, _)| built))
}

/// The gateway crate: its directory below `components/` and its name.
pub const GATEWAY: (&str, &str) = ("gateway", "wrk-zoom-gateway");

/// [`build_group`], plus the gateway in the same cargo run, composed with
/// each component of the group into `<name>.http.wasm` beside it. Returns
/// the group's components (not the compositions).
pub fn build_group_with_gateway(workspace: &Path, group: &str) -> Vec<Built> {
    or_exit((|| {
        let (built, extra) = try_build(workspace, group, &[GATEWAY])?;
        compose::compose_all(&extra[0].path, &built)?;
        Ok(built)
    })())
}

fn or_exit<T>(result: Result<T, String>) -> T {
    match result {
        Ok(value) => value,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    }
}

/// Builds the crates of `components/<group>` and the `extra` crates
/// (directory below `components/`, crate name) in one cargo run; returns
/// the group's components and the extra ones.
fn try_build(
    workspace: &Path,
    group: &str,
    extra: &[(&str, &str)],
) -> Result<(Vec<Built>, Vec<Built>), String> {
    let components = workspace.join("components");
    let dir = components.join(group);
    // The group directory itself (crates added or removed) and the files that
    // decide what cargo resolves; the sources come from the dep-info below.
    let manifests = extra
        .iter()
        .map(|(dir, _)| components.join(dir).join("Cargo.toml"));
    for watched in [
        dir.clone(),
        workspace.join("Cargo.toml"),
        workspace.join("Cargo.lock"),
    ]
    .into_iter()
    .chain(manifests)
    {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    let group_names = crates_in(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if group_names.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let names: Vec<String> = group_names
        .iter()
        .cloned()
        .chain(extra.iter().map(|(_, name)| name.to_string()))
        .collect();

    let toolchain = Toolchain::from_build_env();
    if let TargetStatus::Installed(line) = ensure_wasm_target(&toolchain)? {
        println!("cargo:warning={line}");
    }

    let out_dir = PathBuf::from(env_var("OUT_DIR")?);
    let profile = component_profile(&env_var("PROFILE")?.to_string_lossy());
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
            profile,
            "--target",
            TARGET,
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
        .map_err(|e| format!("cannot run cargo to build the components: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the {group} components for {TARGET} failed (see the errors above)"
        ));
    }

    let out = target_dir.join(TARGET).join(profile);
    let mut built = Vec::with_capacity(names.len());
    for name in names {
        let stem = name.replace('-', "_");
        let path = out.join(format!("{stem}.wasm"));
        if !path.is_file() {
            return Err(format!("{} was not built", path.display()));
        }
        let dep_info = out.join(format!("{stem}.d"));
        let text = std::fs::read_to_string(&dep_info)
            .map_err(|e| format!("cannot read {}: {e}", dep_info.display()))?;
        for source in dep_info_sources(&text) {
            println!("cargo:rerun-if-changed={source}");
        }
        built.push(Built { name, path });
    }
    let extra_built = built.split_off(group_names.len());
    Ok((built, extra_built))
}

fn env_var(name: &str) -> Result<OsString, String> {
    std::env::var_os(name)
        .ok_or_else(|| format!("{name} is not set: call this from a build script"))
}

/// The source files listed in a makefile-style dep-info file that cargo
/// writes beside an artifact (`out.wasm: a.rs b\ c.rs`).
pub fn dep_info_sources(text: &str) -> Vec<String> {
    let mut sources = Vec::new();
    for line in text.lines() {
        // `target: deps`; the target path may itself hold an escaped colon
        // only on Windows drive letters, which `: ` (colon space) avoids.
        let Some((_, deps)) = line.split_once(": ") else {
            continue;
        };
        let mut current = String::new();
        let mut chars = deps.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                }
                ' ' => {
                    if !current.is_empty() {
                        sources.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            sources.push(current);
        }
    }
    sources.sort();
    sources.dedup();
    sources
}

/// The compiler a build runs with, and the rustup that manages it, if any.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The `rustc` to ask where the target's standard library lives.
    pub rustc: OsString,
    /// `rustup` and the toolchain name it knows this `rustc` by; `None` when
    /// the compiler is not managed by rustup.
    pub rustup: Option<(OsString, String)>,
    /// Extra environment for both commands (e.g. a `RUSTUP_HOME`).
    pub env: Vec<(OsString, OsString)>,
}

impl Toolchain {
    /// The toolchain of the running build script: `RUSTC`, and rustup when
    /// cargo was started through a rustup proxy (it sets `RUSTUP_TOOLCHAIN`).
    pub fn from_build_env() -> Self {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let rustup = std::env::var("RUSTUP_TOOLCHAIN")
            .ok()
            .filter(|name| !name.is_empty())
            .and_then(|name| find_rustup().map(|rustup| (rustup, name)));
        Toolchain {
            rustc,
            rustup,
            env: Vec::new(),
        }
    }

    fn command(&self, program: &OsString) -> Command {
        let mut command = Command::new(program);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// The directory that holds the standard library for [`TARGET`].
    pub fn target_libdir(&self) -> Result<PathBuf, String> {
        let output = self
            .command(&self.rustc)
            .args(["--print", "target-libdir", "--target", TARGET])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.rustc.to_string_lossy()))?;
        if !output.status.success() {
            return Err(format!(
                "{} cannot print the {TARGET} library directory: {}",
                self.rustc.to_string_lossy(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim().to_string(),
        ))
    }
}

/// `rustup` on `PATH`, else in `$CARGO_HOME/bin` (where rustup puts itself).
fn find_rustup() -> Option<OsString> {
    let exe = format!("rustup{}", std::env::consts::EXE_SUFFIX);
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(&exe));
    let in_cargo_home =
        std::env::var_os("CARGO_HOME").map(|home| PathBuf::from(home).join("bin").join(&exe));
    on_path
        .chain(in_cargo_home)
        .find(|candidate| candidate.is_file())
        .map(PathBuf::into_os_string)
}

/// What [`ensure_wasm_target`] found or did.
#[derive(Debug, PartialEq, Eq)]
pub enum TargetStatus {
    /// The target was already installed.
    Present,
    /// It was missing and rustup installed it; the line says so.
    Installed(String),
}

/// Makes sure `rustc` can build for [`TARGET`]: installs the target through
/// rustup when it is missing (rustup installs the targets of
/// `rust-toolchain.toml` only together with the toolchain itself), and
/// without rustup fails at once with the command that fixes it.
pub fn ensure_wasm_target(toolchain: &Toolchain) -> Result<TargetStatus, String> {
    if target_installed(&toolchain.target_libdir()?) {
        return Ok(TargetStatus::Present);
    }
    let Some((rustup, name)) = &toolchain.rustup else {
        return Err(format!(
            "the {TARGET} target is not installed for {}, and there is no rustup to install it: \
             run `rustup target add {TARGET}`, or install your distribution's Rust standard \
             library for {TARGET}",
            toolchain.rustc.to_string_lossy()
        ));
    };
    let output = toolchain
        .command(rustup)
        .args(["target", "add", TARGET, "--toolchain", name])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", rustup.to_string_lossy()))?;
    if !output.status.success() || !target_installed(&toolchain.target_libdir()?) {
        return Err(format!(
            "the {TARGET} target is missing and `rustup target add {TARGET} --toolchain {name}` \
             failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(TargetStatus::Installed(format!(
        "installed the {TARGET} target for toolchain {name} (rustup target add {TARGET} --toolchain {name})"
    )))
}

/// Whether the standard library for the target is in `libdir`.
fn target_installed(libdir: &Path) -> bool {
    std::fs::read_dir(libdir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_lists_every_source_once_with_escaped_spaces() {
        let text =
            "/t/a.wasm: /w/src/lib.rs /w/my\\ dir/x.rs /w/wit/a.wit\n\n/t/a.d: /w/src/lib.rs\n";
        assert_eq!(
            dep_info_sources(text),
            ["/w/my dir/x.rs", "/w/src/lib.rs", "/w/wit/a.wit"]
        );
    }

    #[test]
    fn dev_and_test_hosts_get_fast_components_release_gets_small_ones() {
        assert_eq!(component_profile("debug"), "wasm-dev");
        assert_eq!(component_profile("release"), "wasm-release");
    }
}
