//! Composes the gateway (`components/gateway`, which exports
//! `wasi:http/incoming-handler` and imports `wrk:zoom/action`) with each
//! action into a self-contained `<action>.http.wasm` that HTTP-only hosts
//! (`wasmtime serve`, Spin, ...) run as is.

use crate::Built;
use std::path::{Path, PathBuf};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, plug};

/// The gateway's file name suffix: `retrieve_meeting.wasm` gives
/// `retrieve_meeting.http.wasm`.
pub const HTTP_SUFFIX: &str = ".http.wasm";

/// The gateway component with `action` plugged into its
/// `wrk:zoom/action` import.
pub fn compose(gateway: &[u8], action: &[u8]) -> Result<Vec<u8>, String> {
    let mut graph = CompositionGraph::new();
    let mut register = |name: &str, bytes: &[u8]| {
        let package = Package::from_bytes(name, None, bytes, graph.types_mut())
            .map_err(|e| format!("cannot read the {name} component: {e:#}"))?;
        graph
            .register_package(package)
            .map_err(|e| format!("cannot register the {name} component: {e}"))
    };
    let socket = register("wrk:gateway", gateway)?;
    let action_id = register("wrk:action", action)?;
    plug(&mut graph, vec![action_id], socket)
        .map_err(|e| format!("cannot plug the action into the gateway: {e}"))?;
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| format!("cannot encode the composition: {e}"))
}

/// Where the composition of `action` goes: beside it.
pub fn http_path(action: &Path) -> PathBuf {
    let stem = action
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    action.with_file_name(format!("{stem}{HTTP_SUFFIX}"))
}

/// Composes `gateway` with each action, skipping those whose composition is
/// newer than both inputs (cargo leaves an unchanged component untouched).
pub fn compose_all(gateway: &Path, actions: &[Built]) -> Result<Vec<Built>, String> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let gateway_bytes = read(gateway)?;
    let mut composed = Vec::with_capacity(actions.len());
    for action in actions {
        let out = http_path(&action.path);
        let fresh = match (modified(&out), modified(gateway), modified(&action.path)) {
            (Some(out), Some(g), Some(a)) => out >= g && out >= a,
            _ => false,
        };
        if !fresh {
            let bytes = compose(&gateway_bytes, &read(&action.path)?)
                .map_err(|e| format!("composing the gateway with {}: {e}", action.name))?;
            // Written whole under a temporary name: a reader never sees half a file.
            let tmp = out.with_extension("wasm.tmp");
            std::fs::write(&tmp, bytes)
                .and_then(|()| std::fs::rename(&tmp, &out))
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        }
        composed.push(Built {
            name: action.name.clone(),
            path: out,
        });
    }
    Ok(composed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_composition_goes_beside_the_action() {
        assert_eq!(
            http_path(Path::new("/t/wasm-dev/retrieve_meeting.wasm")),
            Path::new("/t/wasm-dev/retrieve_meeting.http.wasm")
        );
    }

    #[test]
    fn what_is_not_a_component_is_refused_with_its_name() {
        let error = compose(b"\0asm\x01\0\0\0", b"not wasm").unwrap_err();
        assert!(error.contains("wrk:gateway"), "{error}");
    }
}
