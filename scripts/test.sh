#!/usr/bin/env bash
# The test command: lints, Rust unit and property tests, then live-network tests through
# @polkadot/api.
#
#   scripts/test.sh            everything
#   scripts/test.sh --rust     only the lints and the cargo tests
#   scripts/test.sh --e2e      only the live-network tests (builds the node if needed)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$MEDCHAIN_ROOT"

rust=1 e2e=1
case "${1:-}" in
  --rust) e2e=0 ;;
  --e2e) rust=0 ;;
  "") ;;
  *) die "unknown option '$1': use --rust or --e2e" ;;
esac

if [ $rust = 1 ]; then
  log "formatting (cargo fmt --check) and lints (cargo clippy, warnings denied)"
  cargo fmt --all --check
  SKIP_WASM_BUILD=1 cargo clippy --locked --workspace --all-targets -- -D warnings
  log "cargo tests (runtime and pure crates; the node is tested live below)"
  SKIP_WASM_BUILD=1 cargo test --locked --workspace --exclude medchain-node
  log "pallet benchmarks, each run once as a test in its mock runtime"
  # One build for the three: the same feature set, so the SDK crates compile once for it.
  SKIP_WASM_BUILD=1 cargo test --locked -p pallet-ipfs-registry -p pallet-kdpos -p pallet-medical-records \
    --features runtime-benchmarks benchmarking
fi

if [ $e2e = 1 ]; then
  log "building medchain-node and the medchain command line (release)"
  cargo build --locked --release -p medchain-node -p medchain-cli
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # The portal: type-checked and built for the browser tests, and its record crypto compiled for
  # the live tests that cross it with the CLI.
  if [ ! -d portal/node_modules ] || [ portal/package-lock.json -nt portal/node_modules/.package-lock.json ]; then
    (cd portal && npm ci --no-audit --no-fund --loglevel=error)
  fi
  log "building the portal"
  (cd portal && npm run --silent build:lib && npm run --silent build >/dev/null)
  log "the portal's library against the format vectors (docs/formats.md), offline"
  (cd portal && node --test test/)
  log "live-network tests"
  (cd tests/e2e && MEDCHAIN_NODE="$MEDCHAIN_NODE" MEDCHAIN_CLI="$MEDCHAIN_CLI" node --test --test-concurrency=1 --test-timeout=900000 test/)
fi
