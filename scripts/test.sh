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

# One profile for everything below (Cargo.toml's `checked`), and one set of features: the tests,
# the node and the command line are built by one cargo invocation, so each SDK crate compiles once
# (a build of the binaries alone would unify other features and compile some 250 crates again).
profile=(--locked --profile checked)
# The lints run while our crates compile: cargo hands each workspace member to clippy-driver (as
# `cargo clippy` does, with warnings denied) and every dependency to rustc. A separate `cargo
# clippy` would compile all the SDK's crates a second time, in check mode, for nothing else.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" || die "clippy is missing: run scripts/setup.sh"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS="-Dwarnings__CLIPPY_HACKERY__"
build() {
  log "building and linting the workspace's binaries, tests and benches (profile checked)"
  cargo build "${profile[@]}" --workspace --all-targets
}
if [ $rust = 1 ]; then
  log "formatting (cargo fmt --check)"
  cargo fmt --all --check
  build
  log "cargo tests (the node has none: it is tested live below)"
  cargo test "${profile[@]}" --workspace
  log "pallet benchmarks, each run once as a test in its mock runtime"
  # One build for the three: the same feature set, so the SDK crates compile once for it.
  cargo test "${profile[@]}" -p pallet-ipfs-registry -p pallet-kdpos -p pallet-medical-records \
    --features runtime-benchmarks benchmarking
fi

if [ $e2e = 1 ]; then
  [ $rust = 1 ] || build
  export MEDCHAIN_NODE="$CARGO_TARGET_DIR/checked/medchain-node" MEDCHAIN_CLI="$CARGO_TARGET_DIR/checked/medchain"
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
  # Three test files at a time: each starts its own network on its own ports and data directories,
  # and they spend most of their time waiting for blocks (2 min of CPU in 6 min on 2 cores).
  log "live-network tests"
  (cd tests/e2e && node --test --test-concurrency=3 --test-timeout=900000 test/)
fi
