//! A toolchain without the `wasm32-wasip2` target, as rustup leaves an
//! already-installed toolchain when `rust-toolchain.toml` gains a target:
//! the builder installs the target through rustup and the build works; with
//! no rustup it stops at once with the command that fixes it.
//!
//! It works on a copy of the active rustup toolchain (hard links, with the
//! files rustup rewrites copied) in a private temporary `RUSTUP_HOME`, so the
//! real installation is never touched. Installing the target downloads it, so
//! this runs on CI (`CI` set) or with `WRK_ZOOM_TEST_RUSTUP=1`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use wrk_zoom_builder::{TARGET, TargetStatus, Toolchain, ensure_wasm_target};

#[test]
fn a_missing_wasm_target_is_installed_through_rustup_or_named_at_once() {
    if std::env::var_os("CI").is_none() && std::env::var_os("WRK_ZOOM_TEST_RUSTUP").is_none() {
        eprintln!(
            "skipped: set WRK_ZOOM_TEST_RUSTUP=1 (CI does) to run; it downloads the {TARGET} target"
        );
        return;
    }
    let name = std::env::var("RUSTUP_TOOLCHAIN").expect("cargo runs through rustup here");
    let rustup = which("rustup").expect("rustup on PATH");
    let real_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".rustup"));
    let real_toolchain = real_home.join("toolchains").join(&name);
    assert!(
        real_toolchain.is_dir(),
        "{} is installed",
        real_toolchain.display()
    );

    let real_target = real_toolchain.join("lib/rustlib").join(TARGET);
    let real_had_target = real_target.exists();
    let temp = tempfile::tempdir().unwrap();
    let rustup_home = temp.path().join("rustup");
    let toolchain_dir = rustup_home.join("toolchains").join(&name);
    std::fs::create_dir_all(&toolchain_dir).unwrap();
    std::fs::copy(
        real_home.join("settings.toml"),
        rustup_home.join("settings.toml"),
    )
    .unwrap();
    link_tree(
        &real_toolchain,
        &toolchain_dir,
        &real_toolchain.join("lib/rustlib"),
    );
    let env = vec![
        (
            OsString::from("RUSTUP_HOME"),
            rustup_home.clone().into_os_string(),
        ),
        (OsString::from("RUSTUP_TOOLCHAIN"), OsString::from(&name)),
        (OsString::from("RUSTUP_AUTO_INSTALL"), OsString::from("0")),
        // cargo test points this at the real toolchain's libraries, which
        // would make the copy's rustc report the real sysroot.
        (OsString::from("LD_LIBRARY_PATH"), OsString::new()),
    ];

    // Remove the target from the copy, as on a machine that never had it.
    if toolchain_dir.join("lib/rustlib").join(TARGET).exists() {
        let status = Command::new(&rustup)
            .args(["target", "remove", TARGET, "--toolchain", &name])
            .envs(env.iter().cloned())
            .status()
            .unwrap();
        assert!(status.success(), "rustup target remove in the copy");
    }
    assert!(!toolchain_dir.join("lib/rustlib").join(TARGET).exists());
    assert_eq!(
        real_target.exists(),
        real_had_target,
        "the real toolchain is untouched"
    );
    let rustc = toolchain_dir.join("bin").join("rustc").into_os_string();

    // Without rustup: one sentence naming the fix, nothing built.
    let without_rustup = Toolchain {
        rustc: rustc.clone(),
        rustup: None,
        env: env.clone(),
    };
    let error = ensure_wasm_target(&without_rustup).unwrap_err();
    assert!(
        error.contains(&format!("rustup target add {TARGET}")),
        "{error}"
    );
    assert!(error.contains("not installed"), "{error}");

    // With rustup: installed, and said in one line.
    let with_rustup = Toolchain {
        rustc,
        rustup: Some((rustup.into_os_string(), name.clone())),
        env: env.clone(),
    };
    match ensure_wasm_target(&with_rustup).unwrap() {
        TargetStatus::Installed(line) => {
            assert!(
                line.contains(&format!(
                    "installed the {TARGET} target for toolchain {name}"
                )),
                "{line}"
            )
        }
        TargetStatus::Present => panic!("the target was removed from the copy"),
    }
    assert_eq!(
        ensure_wasm_target(&with_rustup).unwrap(),
        TargetStatus::Present
    );

    // And the copy now builds a component that uses the standard library.
    let krate = temp.path().join("probe");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\n[lib]\ncrate-type = [\"cdylib\"]\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "#[unsafe(no_mangle)]\npub extern \"C\" fn probe(n: u32) -> usize { format!(\"{n}\").len() }\n",
    )
    .unwrap();
    let status = Command::new(toolchain_dir.join("bin").join("cargo"))
        .current_dir(&krate)
        .args(["build", "--offline", "--target", TARGET])
        .env("RUSTC", toolchain_dir.join("bin").join("rustc"))
        .env("CARGO_TARGET_DIR", temp.path().join("target"))
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .envs(env.iter().cloned())
        .status()
        .unwrap();
    assert!(status.success(), "the probe builds for {TARGET}");
    assert!(
        temp.path()
            .join("target")
            .join(TARGET)
            .join("debug/probe.wasm")
            .is_file()
    );
    assert_eq!(
        real_target.exists(),
        real_had_target,
        "the real toolchain is untouched"
    );
}

/// Mirrors `from` into `to` with hard links, except the regular files directly
/// in `copied` (rustup's manifests and component list), which it rewrites.
fn link_tree(from: &Path, to: &Path, copied: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let source = entry.path();
        let dest = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            link_tree(&source, &dest, copied);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source).unwrap(), &dest).unwrap();
        } else if from == copied {
            std::fs::copy(&source, &dest).unwrap();
        } else {
            std::fs::hard_link(&source, &dest).unwrap();
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
}
