#!/usr/bin/env bash
# Benchmarks behind the figures in the README.
#
#   scripts/bench.sh            K-DPoS era cost (criterion), then records vs transfers finalized
#                               per second on the four-validator local network
#   scripts/bench.sh --kdpos    only the criterion benchmark
#   scripts/bench.sh --records  only the network throughput run
#   scripts/bench.sh --sim      also the simulator's whole experiment (sim/scenarios/*.toml: writes sim/results/ and sim/README.md's results)
#   scripts/bench.sh --ipfs     UnixFS import of 100 MiB: criterion, then medchain next to the npm
#                               reference implementation in one run, then `medchain record put` and
#                               `get` of 100 MiB end to end on a dev node
#   scripts/bench.sh --anchor   the dual chain (scripts/dualchain.sh): relay lag behind private
#                               finality, 20,000 records in one anchor, proofs of a 100,000-entry
#                               batch (criterion: size, native time) and the
#                               benchmarked on-chain verification time
#
# Pallet weights are measured separately by scripts/weights.sh (frame-omni-bencher).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$MEDCHAIN_ROOT"

what="${1:-all}"
case "$what" in all|--kdpos|--records|--sim|--ipfs|--anchor) ;; *) die "unknown option '$what' (see the top of scripts/bench.sh)" ;; esac

if [ "$what" = --ipfs ]; then
  log "criterion: UnixFS import of 100 MiB, CID only and into the blockstore"
  cargo bench --locked -p medchain-ipfs --bench import -- --noplot
  log "medchain next to ipfs-unixfs-importer (npm), 100 MiB"
  cargo build --locked --release -p medchain-node -p medchain-cli
  (cd tests/e2e && MEDCHAIN_CLI="$MEDCHAIN_CLI" node bench/ipfs-import.js)
  log "encrypt + add + register 100 MiB end to end, and read it back"
  (cd tests/e2e && MEDCHAIN_NODE="$MEDCHAIN_NODE" MEDCHAIN_CLI="$MEDCHAIN_CLI" node bench/record-put.js)
  exit 0
fi

if [ "$what" = --anchor ]; then
  log "criterion: the Merkle tree of a 100,000-entry batch (build, prove, verify, proof size)"
  cargo bench --locked -p medchain-merkle --bench tree -- --noplot
  cargo build --locked --release -p medchain-node -p medchain-cli
  (cd tests/e2e && MEDCHAIN_NODE="$MEDCHAIN_NODE" MEDCHAIN_CLI="$MEDCHAIN_CLI" node bench/relay-anchor.js "${@:2}")
  exit 0
fi
if [ "$what" != --records ]; then
  log "criterion: classification + tally + election at consortium scale"
  SKIP_WASM_BUILD=1 cargo bench --locked -p kdpos-primitives --bench election -- --noplot
fi

if [ "$what" = all ] || [ "$what" = --records ]; then
  scripts/setup.sh
  log "building the node (release) and the portal's record crypto, which the run seals keys with"
  cargo build --locked --release -p medchain-node -p medchain-cli
  (cd portal && npm run --silent build:lib)
  log "records vs transfers finalized per second, 4 validators on 127.0.0.1"
  (cd tests/e2e && MEDCHAIN_NODE="$MEDCHAIN_NODE" node bench/records-throughput.js "${@:2}")
fi

if [ "$what" = --sim ]; then
  log "kdpos-sim: every committed scenario"
  cargo run --locked --release -p kdpos-sim -- --readme sim/README.md
fi
