//! Builds medchain-runtime for WASM. `SKIP_WASM_BUILD=1` skips it: the blob is then `None` and the
//! node refuses to make a chain spec.

use std::path::Path;

fn main() {
    // The WASM builder records the runtime's files by absolute path: a build from another checkout
    // sharing this target directory must build again, not reuse the old checkout's blob.
    println!("cargo:rerun-if-env-changed=WASM_BUILD_WORKSPACE_HINT");
    // Read when the script runs, not when it was compiled: a target directory may have compiled it
    // for a checkout elsewhere.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let runtime = Path::new(&manifest).join("../Cargo.toml");
    let runtime = runtime.canonicalize().unwrap_or(runtime);
    substrate_wasm_builder::WasmBuilder::new()
        .with_project(runtime)
        .expect("runtime/Cargo.toml is this crate's parent")
        .import_memory()
        .export_heap_base()
        .build();
}
