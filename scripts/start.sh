#!/usr/bin/env bash
# The main job: builds medchain-node if it is missing or stale, then runs a chain.
#
#   scripts/start.sh            a development chain: one validator (Alice), fresh state each start
#   scripts/start.sh --local    six hospitals on 127.0.0.1, four producing (scripts/testnet.sh)
#   scripts/start.sh -- ARGS    a development chain with extra medchain-node arguments
#   scripts/start.sh --no-portal  the development chain without the web portal
#
# On the development chain the web portal is served on http://127.0.0.1:8080 (MEDCHAIN_PORTAL to
# change it) by `medchain portal serve`, built first if portal/dist is missing.
# Ctrl-C stops everything it started.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$MEDCHAIN_ROOT"

mode=dev
portal=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --local) mode=local; shift ;;
    --dev) mode=dev; shift ;;
    --no-portal) portal=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option '$1': use --local, --dev or -- followed by medchain-node arguments" ;;
  esac
done

# MEDCHAIN_NO_BUILD=1 skips the build step (the tests set it after building once).
if [ "${MEDCHAIN_NO_BUILD:-0}" != 1 ]; then
  command -v cargo >/dev/null 2>&1 && command -v protoc >/dev/null 2>&1 || bash scripts/setup.sh
  log "building medchain-node and the medchain command line (release; the first build takes about half an hour on 2 cores)"
  cargo build --release --locked -p medchain-node -p medchain-cli
fi

apps_link() { printf 'https://polkadot.js.org/apps/?rpc=ws%%3A%%2F%%2F127.0.0.1%%3A%s#/explorer' "$1"; }

if [ "$mode" = local ]; then
  dir="${MEDCHAIN_TESTNET_DIR:-$HOME/.local/share/medchain/testnet}"
  trap 'bash scripts/testnet.sh stop --dir "$dir"; exit 0' INT TERM
  bash scripts/testnet.sh start --dir "$dir"
  rpc=$(cat "$dir/rpc-port")
  log "RPC: ws://127.0.0.1:$rpc (Alice) .. ws://127.0.0.1:$((rpc + 3)) (Dave)"
  log "Polkadot.js Apps: $(apps_link "$rpc")"
  log "logs: $dir/*.log; Ctrl-C stops the network"
  while true; do sleep 1; done
fi

rpc_port=9944
ipfs_api=127.0.0.1:5001
for ((i = 0; i < ${#extra[@]}; i++)); do
  case "${extra[$i]}" in
    --rpc-port) rpc_port="${extra[$((i + 1))]}" ;;
    --ipfs-api) ipfs_api="${extra[$((i + 1))]}" ;;
    --no-ipfs-api) portal=0 ;;
  esac
done
log "RPC: ws://127.0.0.1:$rpc_port"
log "Polkadot.js Apps: $(apps_link "$rpc_port")"
if [ "$portal" = 0 ]; then
  exec "$MEDCHAIN_NODE" --dev --rpc-cors all "${extra[@]}"
fi

if [ ! -f portal/dist/index.html ]; then
  command -v npm >/dev/null 2>&1 || bash scripts/setup.sh
  log "building the web portal (portal/dist)"
  (cd portal && npm ci --no-audit --no-fund --loglevel=error && npm run build >/dev/null)
fi
portal_addr="${MEDCHAIN_PORTAL:-127.0.0.1:8080}"
"$MEDCHAIN_NODE" --dev --rpc-cors all "${extra[@]}" &
node_pid=$!
"$MEDCHAIN_CLI" --url "ws://127.0.0.1:$rpc_port" --ipfs "http://$ipfs_api" portal serve --dir portal/dist --listen "$portal_addr" &
portal_pid=$!
trap 'kill "$node_pid" "$portal_pid" 2>/dev/null; wait; exit 0' INT TERM
log "web portal: http://$portal_addr (development accounts //Alice..//Ferdie)"
wait -n "$node_pid" "$portal_pid"
kill "$node_pid" "$portal_pid" 2>/dev/null || true
wait
