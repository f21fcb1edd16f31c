#!/usr/bin/env bash
# Backs up and restores a stopped node's base path: its database (ParityDB), keystore (session
# keys), network key and embedded IPFS store, in one archive with a checksum beside it.
#
#   scripts/backup.sh save    --base-path /var/lib/medchain --to medchain-2026-12-04.tar.gz
#   scripts/backup.sh restore --from medchain-2026-12-04.tar.gz --base-path /var/lib/medchain-new
#
# `save` refuses while a node holds the database (stop it first: `systemctl stop medchain-node`),
# since a copy of a live ParityDB is not a consistent one. `restore` refuses a base path that holds
# anything, and an archive whose checksum does not match. The archive holds the validator's
# session keys: keep it as you keep the keys. The key service's organisation secret
# (`medchain keyserver init`) is not in the base path and is not backed up here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { die "usage: scripts/backup.sh save --base-path DIR --to FILE | restore --from FILE --base-path DIR"; }

cmd="${1:-}"
[ -n "$cmd" ] || usage
shift
base="" to="" from=""
while [ $# -gt 0 ]; do
  case "$1" in
    --base-path) base="$2"; shift 2 ;;
    --to) to="$2"; shift 2 ;;
    --from) from="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$base" ] || usage

case "$cmd" in
  save)
    [ -n "$to" ] || usage
    [ -d "$base/chains" ] || die "$base holds no chain (no chains/ directory): pass the node's --base-path"
    # ParityDB holds an exclusive lock on its lock file while the node runs.
    for lock in "$base"/chains/*/paritydb/*/lock; do
      [ -e "$lock" ] || continue
      flock -n "$lock" true || die "a node is running on $base (it holds $lock): stop it first"
    done
    parts=(chains)
    [ -d "$base/ipfs" ] && parts+=(ipfs)
    tmp="$to.partial"
    tar -C "$base" -czpf "$tmp" "${parts[@]}"
    sync "$tmp"
    mv "$tmp" "$to"
    (cd "$(dirname "$to")" && sha256sum "$(basename "$to")" > "$(basename "$to").sha256")
    log "saved ${parts[*]} of $base to $to (checksum in $to.sha256)"
    ;;
  restore)
    [ -n "$from" ] || usage
    [ -f "$from" ] || die "no archive at $from"
    if [ -f "$from.sha256" ]; then
      (cd "$(dirname "$from")" && sha256sum --quiet -c "$(basename "$from").sha256") \
        || die "$from does not match its checksum ($from.sha256): the archive is damaged"
    else
      die "no checksum beside $from ($from.sha256): it was not made by scripts/backup.sh save"
    fi
    if [ -e "$base" ] && [ -n "$(ls -A "$base")" ]; then
      die "$base is not empty: restore into a fresh base path"
    fi
    mkdir -p "$base"
    chmod 700 "$base"
    tar -C "$base" -xzpf "$from"
    log "restored $from into $base: start the node with --base-path $base"
    ;;
  *) usage ;;
esac
