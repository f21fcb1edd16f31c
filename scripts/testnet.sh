#!/usr/bin/env bash
# A local network of six hospitals on 127.0.0.1 (the `local` chain): K-DPoS elects four block
# producers (Alice, Bob, Charlie, Dave at genesis) and keeps two standbys (Eve, Ferdie), who run
# nodes with their session keys ready to take a producer's place.
#
#   scripts/testnet.sh start   [--dir DIR] [--port-base N] [--chain local|consortium]
#                                                            start all six (or those not running)
#   scripts/testnet.sh stop    [--dir DIR]                   stop all six, keeping their data
#   scripts/testnet.sh kill    NAME [--dir DIR]              SIGKILL one validator (a crash)
#   scripts/testnet.sh restart NAME [--dir DIR]              start one again on its old data
#   scripts/testnet.sh status  [--dir DIR]                   which validators run, and their RPC ports
#
# Validator i (0..5) listens on p2p port 30333+i, RPC port 9944+i and Prometheus 9615+i; with
# --port-base N (tests) on N+i, N+100+i and N+200+i instead. It keeps its database under DIR/NAME
# and logs to DIR/NAME.log. --chain consortium runs the consortium preset instead (all six produce;
# scripts/dualchain.sh uses it); the choice is kept in DIR/chain for restarts.
# docker/compose.yml runs the same nodes with the same flags.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NAMES=(alice bob charlie dave eve ferdie)
cmd="${1:-}"; shift || true
target=""
if [ "$cmd" = kill ] || [ "$cmd" = restart ]; then target="${1:-}"; shift || true; fi
DIR="${MEDCHAIN_TESTNET_DIR:-$HOME/.local/share/medchain/testnet}"
BASE=""
CHAIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --port-base) BASE="$2"; shift 2 ;;
    --chain) CHAIN="$2"; shift 2 ;;
    *) die "unknown option '$1' (see the top of scripts/testnet.sh)" ;;
  esac
done
mkdir -p "$DIR"
[ -z "$BASE" ] && [ "$cmd" != start ] && [ -f "$DIR/port-base" ] && BASE=$(cat "$DIR/port-base")
if [ -z "$CHAIN" ]; then CHAIN=$(cat "$DIR/chain" 2>/dev/null || echo local); fi
case "$CHAIN" in local|consortium) ;; *) die "--chain '$CHAIN': use local or consortium" ;; esac
if [ -n "$BASE" ]; then P2P=$BASE RPC=$((BASE + 100)) PROM=$((BASE + 200)); else P2P=30333 RPC=9944 PROM=9615; fi

index_of() { for i in "${!NAMES[@]}"; do [ "${NAMES[$i]}" = "$1" ] && { echo "$i"; return; }; done
  die "unknown validator '$1': use one of ${NAMES[*]}"; }
pid_of() { local f="$DIR/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

# Deterministic node keys make Alice's peer id known in advance, so she is everyone's bootnode.
node_key() { printf '%064x' "$(( $1 + 1 ))"; }
alice_peer_id() { "$MEDCHAIN_NODE" key inspect-node-key --file <(node_key 0) 2>/dev/null; }

start_one() {
  local name="$1" i; i=$(index_of "$name")
  if pid_of "$name" >/dev/null; then log "$name already runs (pid $(pid_of "$name"))"; return; fi
  local p2p=$((P2P + i)) rpc=$((RPC + i)) prom=$((PROM + i))
  local boot=()
  [ "$i" -ne 0 ] && boot=(--bootnodes "/ip4/127.0.0.1/tcp/$P2P/p2p/$(alice_peer_id)")
  "$MEDCHAIN_NODE" --chain "$CHAIN" --"$name" --base-path "$DIR/$name" \
    --node-key "$(node_key "$i")" --listen-addr "/ip4/127.0.0.1/tcp/$p2p" "${boot[@]}" \
    --rpc-port "$rpc" --rpc-cors all --prometheus-port "$prom" \
    --no-mdns --no-telemetry \
    >>"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
  log "$name: pid $!, rpc ws://127.0.0.1:$rpc, log $DIR/$name.log"
}

case "$cmd" in
  start)
    [ -x "$MEDCHAIN_NODE" ] || die "no node binary at $MEDCHAIN_NODE: run scripts/start.sh once (it builds it)"
    if [ -n "$BASE" ]; then echo "$BASE" >"$DIR/port-base"; else rm -f "$DIR/port-base"; fi
    echo "$RPC" >"$DIR/rpc-port"
    echo "$CHAIN" >"$DIR/chain"
    for n in "${NAMES[@]}"; do start_one "$n"; done ;;
  stop)
    for n in "${NAMES[@]}"; do
      if p=$(pid_of "$n"); then kill -INT "$p" 2>/dev/null || true; fi
    done
    for n in "${NAMES[@]}"; do
      for _ in $(seq 1 50); do pid_of "$n" >/dev/null || break; sleep 0.2; done
      if p=$(pid_of "$n"); then kill -KILL "$p" 2>/dev/null || true; fi
      rm -f "$DIR/$n.pid"
    done
    log "testnet stopped (data kept in $DIR)" ;;
  kill)
    [ -n "$target" ] || die "kill needs a validator name: ${NAMES[*]}"
    index_of "$target" >/dev/null
    if p=$(pid_of "$target"); then kill -KILL "$p"; log "$target killed (pid $p)"; else log "$target was not running"; fi ;;
  restart)
    [ -n "$target" ] || die "restart needs a validator name: ${NAMES[*]}"
    start_one "$target" ;;
  status)
    for i in "${!NAMES[@]}"; do
      n=${NAMES[$i]}
      if p=$(pid_of "$n"); then echo "$n running pid=$p rpc=ws://127.0.0.1:$((RPC + i))"
      else echo "$n stopped"; fi
    done ;;
  *) die "usage: scripts/testnet.sh start|stop|kill NAME|restart NAME|status [--dir DIR] [--port-base N]" ;;
esac
