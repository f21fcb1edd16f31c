//! Builds medchain-runtime for WASM. `SKIP_WASM_BUILD=1` skips it: the blob is then `None` and the
//! node refuses to make a chain spec.

use std::path::Path;

fn main() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let runtime = runtime.canonicalize().unwrap_or(runtime);
    substrate_wasm_builder::WasmBuilder::new()
        .with_project(runtime)
        .expect("runtime/Cargo.toml is this crate's parent")
        .import_memory()
        .export_heap_base()
        .build();
}
