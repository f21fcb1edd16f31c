#!/usr/bin/env bash
# Benchmarks behind the figures in the README.
#
#   scripts/bench.sh          K-DPoS era cost (criterion): 1,000 candidates, 10,000 voters x 16 targets
#   scripts/bench.sh --sim    also the full DPoS vs K-DPoS experiment (writes sim/results/)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$MEDCHAIN_ROOT"

log "criterion: classification + tally + election at consortium scale"
SKIP_WASM_BUILD=1 cargo bench --locked -p kdpos-primitives --bench election -- --noplot

if [ "${1:-}" = --sim ]; then
  log "kdpos-sim: the full experiment"
  cargo run --locked --release -p kdpos-sim -- --out sim/results
fi
