#!/usr/bin/env bash
# Measures the weights of medchain's pallets with frame-omni-bencher and writes them to
# runtime/src/weights/<pallet>.rs. Run it after changing a pallet's calls or storage, then commit
# the files it writes. Not part of the test run: it takes tens of minutes on 2 cores.
#
#   scripts/weights.sh                  every pallet in runtime/src/benchmarks.rs
#   scripts/weights.sh PALLET...        only these (e.g. pallet_medical_records)
#   STEPS=50 REPEAT=20 scripts/weights.sh   more samples (defaults: 20 steps, 10 repeats)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$MEDCHAIN_ROOT"

# frame-omni-bencher from the same release line as the runtime (stable2609: 0.28), built once
# into a tools directory next to the target directory. It is a developer tool: its RocksDB and
# bindgen dependencies never reach the node.
OMNI_VERSION=0.28.0
TOOLS="$(dirname "$CARGO_TARGET_DIR")/tools"
OMNI="$TOOLS/bin/frame-omni-bencher"
if ! "$OMNI" --version 2>/dev/null | grep -q "$OMNI_VERSION"; then
  if ! ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1; then
    log "installing libclang (bindgen, for frame-omni-bencher's build)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev pkg-config libssl-dev >/dev/null
  fi
  log "building frame-omni-bencher $OMNI_VERSION into $TOOLS"
  # Its test runtime's WASM is not needed to benchmark ours (SKIP_WASM_BUILD), and our workspace
  # hint must not point its WASM builder at this repository.
  env -u WASM_BUILD_WORKSPACE_HINT SKIP_WASM_BUILD=1 \
    CARGO_TARGET_DIR="$(dirname "$CARGO_TARGET_DIR")/omni-target" \
    cargo install --locked frame-omni-bencher --version "$OMNI_VERSION" --root "$TOOLS"
fi

log "building the runtime's WASM with runtime-benchmarks"
cargo build --locked --release -p medchain-runtime-wasm --features runtime-benchmarks
WASM="$CARGO_TARGET_DIR/release/wbuild/medchain-runtime/medchain_runtime.compact.compressed.wasm"

pallets=("$@")
if [ ${#pallets[@]} -eq 0 ]; then
  mapfile -t pallets < <(sed -n 's/^ *\[\(pallet_[a-z_]*\), .*/\1/p' runtime/src/benchmarks.rs)
fi
mkdir -p runtime/src/weights
for pallet in "${pallets[@]}"; do
  log "measuring $pallet"
  "$OMNI" v1 benchmark pallet \
    --runtime "$WASM" \
    --genesis-builder-preset development \
    --pallet "$pallet" --extrinsic '*' \
    --steps "${STEPS:-20}" --repeat "${REPEAT:-10}" \
    --header scripts/weights-header.txt \
    --output "runtime/src/weights/$pallet.rs"
done
log "weights written to runtime/src/weights/"
