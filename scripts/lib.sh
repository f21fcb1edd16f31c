# Shared settings for medchain scripts. Source it; it defines no commands that run on their own.
# The build directory lives outside the checkout so a fresh clone (CI) reuses the last build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/medchain/target}"
MEDCHAIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MEDCHAIN_ROOT
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi

# The runtime's WASM is built by a nested cargo in the target directory, outside the checkout:
# tell it which toolchain (rust-toolchain.toml's) and which Cargo.lock (ours) to use.
RUSTUP_TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$MEDCHAIN_ROOT/rust-toolchain.toml")"
export RUSTUP_TOOLCHAIN
export WASM_BUILD_TOOLCHAIN="$RUSTUP_TOOLCHAIN"
export WASM_BUILD_WORKSPACE_HINT="$MEDCHAIN_ROOT"

# The binaries the scripts run: scripts/start.sh's release build, unless the caller names others
# (scripts/test.sh names its `checked` build, for the scripts its live tests start).
MEDCHAIN_NODE="${MEDCHAIN_NODE:-$CARGO_TARGET_DIR/release/medchain-node}"
MEDCHAIN_CLI="${MEDCHAIN_CLI:-$CARGO_TARGET_DIR/release/medchain}"
export MEDCHAIN_NODE MEDCHAIN_CLI

# Each line carries the time of day, so a slow step shows in any log.
log() { printf '[medchain %(%T)T] %s\n' -1 "$*" >&2; }
die() { printf '[medchain] error: %s\n' "$*" >&2; exit 1; }
