#!/usr/bin/env bash
# Both chains of DESIGN.md flow 5 side by side on 127.0.0.1: the consortium chain (six hospitals,
# the `consortium` preset, through scripts/testnet.sh) and one hospital's private chain (the
# `hospital` preset: its own validator, with keys of its own (`--one`: never a consortium
# validator's, whose seals on both chains would let anyone frame it with a false equivocation
# proof), Alice as its hospital's admin, and its embedded IPFS API). `medchain relay` anchors the
# second into the first (README: "Two chains").
#
#   scripts/dualchain.sh start  [--dir DIR] [--port-base N]   start both (or what is not running)
#   scripts/dualchain.sh stop   [--dir DIR]                   stop both, keeping their data
#   scripts/dualchain.sh status [--dir DIR]
#
# Ports without --port-base: consortium p2p 30333+i, RPC 9944+i (i = 0..5); hospital p2p 30433,
# RPC 9955, IPFS API 5011. With --port-base N: consortium N+i, N+100+i; hospital N+50, N+150,
# IPFS N+250. Data and logs under DIR/consortium and DIR/hospital.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cmd="${1:-}"; shift || true
DIR="${MEDCHAIN_DUALCHAIN_DIR:-$HOME/.local/share/medchain/dualchain}"
BASE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --port-base) BASE="$2"; shift 2 ;;
    *) die "unknown option '$1' (see the top of scripts/dualchain.sh)" ;;
  esac
done
mkdir -p "$DIR/consortium" "$DIR/hospital"
[ -z "$BASE" ] && [ "$cmd" != start ] && [ -f "$DIR/port-base" ] && BASE=$(cat "$DIR/port-base")
if [ -n "$BASE" ]; then
  H_P2P=$((BASE + 50)) H_RPC=$((BASE + 150)) H_IPFS=$((BASE + 250)); port_args=(--port-base "$BASE")
else
  H_P2P=30433 H_RPC=9955 H_IPFS=5011; port_args=()
fi
H="$DIR/hospital"
hospital_pid() { [ -f "$H/node.pid" ] && kill -0 "$(cat "$H/node.pid")" 2>/dev/null && cat "$H/node.pid"; }

case "$cmd" in
  start)
    [ -x "$MEDCHAIN_NODE" ] || die "no node binary at $MEDCHAIN_NODE: run scripts/start.sh once (it builds it)"
    if [ -n "$BASE" ]; then echo "$BASE" >"$DIR/port-base"; else rm -f "$DIR/port-base"; fi
    bash "$MEDCHAIN_ROOT/scripts/testnet.sh" start --dir "$DIR/consortium" --chain consortium "${port_args[@]}"
    if p=$(hospital_pid); then log "the hospital chain already runs (pid $p)"; else
      # A validator keeps one network identity across restarts: made once, kept with its data.
      [ -f "$H/node-key" ] || "$MEDCHAIN_NODE" key generate-node-key --file "$H/node-key" 2>/dev/null
      "$MEDCHAIN_NODE" --chain hospital --one --base-path "$H/data" --node-key-file "$H/node-key" \
        --listen-addr "/ip4/127.0.0.1/tcp/$H_P2P" --rpc-port "$H_RPC" --rpc-cors all \
        --ipfs-api "127.0.0.1:$H_IPFS" --no-prometheus --no-mdns --no-telemetry \
        >>"$H/node.log" 2>&1 &
      echo $! >"$H/node.pid"
    fi
    echo "$H_RPC" >"$H/rpc-port"
    log "consortium: ws://127.0.0.1:$(cat "$DIR/consortium/rpc-port") (Alice's hospital) .. +5"
    log "hospital:   ws://127.0.0.1:$H_RPC, IPFS http://127.0.0.1:$H_IPFS, log $H/node.log" ;;
  stop)
    bash "$MEDCHAIN_ROOT/scripts/testnet.sh" stop --dir "$DIR/consortium"
    if p=$(hospital_pid); then
      kill -INT "$p" 2>/dev/null || true
      for _ in $(seq 1 50); do hospital_pid >/dev/null || break; sleep 0.2; done
      if p=$(hospital_pid); then kill -KILL "$p" 2>/dev/null || true; fi
    fi
    rm -f "$H/node.pid"
    log "both chains stopped (data kept in $DIR)" ;;
  status)
    bash "$MEDCHAIN_ROOT/scripts/testnet.sh" status --dir "$DIR/consortium"
    if p=$(hospital_pid); then echo "hospital running pid=$p rpc=ws://127.0.0.1:$H_RPC ipfs=http://127.0.0.1:$H_IPFS"
    else echo "hospital stopped"; fi ;;
  *) die "usage: scripts/dualchain.sh start|stop|status [--dir DIR] [--port-base N]" ;;
esac
