//! medchain-runtime as a WASM blob: `WASM_BINARY` (compressed, what chain specs carry) and
//! `WASM_BINARY_BLOATY` (uncompressed), both `None` when built with `SKIP_WASM_BUILD=1`.

include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
