#!/usr/bin/env bash
# Installs every prerequisite a fresh machine lacks. Safe to run again: each step checks first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$MEDCHAIN_ROOT"

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)

command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
# The portal's browser tests drive Debian's chromium; no tool downloads a browser of its own.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The monitoring test checks the alert rules with promtool and fires one in Debian's Prometheus.
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
  die "rustup is missing: install it from your distribution or rustup.rs, then run scripts/setup.sh again"
fi
# rust-toolchain.toml names the channel, target and components; this installs whatever of it is missing.
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
rustup toolchain list | grep -q "^$channel" || rustup toolchain install "$channel" --profile minimal
rustup +"$channel" target list --installed | grep -qx wasm32v1-none || rustup +"$channel" target add wasm32v1-none
for c in rust-src rustfmt clippy; do
  rustup +"$channel" component list --installed | grep -q "^$c" || rustup +"$channel" component add "$c"
done

if [ -f tests/e2e/package-lock.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
    log "installing tests/e2e node packages"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
if [ ! -d portal/node_modules ] || [ portal/package-lock.json -nt portal/node_modules/.package-lock.json ]; then
  log "installing portal node packages"
  (cd portal && npm ci --no-audit --no-fund --loglevel=error)
fi
log "setup complete"
