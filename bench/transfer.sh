#!/usr/bin/env bash
# Export and import under volume: the demo network plus generated items (200,000 by default)
# and generated media originals (2 GB by default, files of 2 MB), exported from SQLite,
# imported into an empty SQLite folder, and exported again; time and peak memory (RSS) of
# each, and whether the two exports' manifests agree.
# Usage: bench/transfer.sh [items] [media MB]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ITEMS=${1:-200000}
MEDIA_MB=${2:-2048}
need /usr/bin/time time
cargo build --release --locked -p portico -p portico-bench >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DATA="$WORK/source"
echo "== filling: demo network + $ITEMS items, $MEDIA_MB MB of media" >&2
target/release/portico-admin-bench fill --data "$DATA" --items "$ITEMS" >&2
mkdir -p "$DATA/media/originals"
for i in $(seq 1 $((MEDIA_MB / 2))); do
  head -c 2097152 /dev/urandom >"$DATA/media/originals/bench-$i.bin"
done

machine
echo "data:   demo network (92 portals) + $ITEMS generated items; $MEDIA_MB MB of media in $((MEDIA_MB / 2)) files; SQLite on local disk"
# run WHAT COMMAND...: its time, its peak RSS (all of it, file mappings included) and its peak
# anonymous memory (what it allocated), sampled every 0.1 s.
run() {
  local what=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" &
  local tpid=$! anon=0 a pid
  while kill -0 "$tpid" 2>/dev/null; do
    pid=$(pgrep -P "$tpid" | head -1 || true)
    if [ -n "$pid" ]; then
      a=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    fi
    sleep 0.1
  done
  wait "$tpid" || { cat "$WORK/err" >&2; exit 1; }
  read -r secs kib <"$WORK/time"
  printf '%-18s %7s s %6s MB peak RSS %6s MB peak anonymous   %s\n' "$what" "$secs" "$((kib / 1024))" "$((anon / 1024))" "$(tail -1 "$WORK/out")"
}
echo "== figures"
run "export (SQLite)" target/release/portico export --data "$DATA" --out "$WORK/a.tar"
echo "archive: $(du -m "$WORK/a.tar" | cut -f1) MB"
run "import (SQLite)" target/release/portico import --data "$WORK/copy" "$WORK/a.tar"
run "export again" target/release/portico export --data "$WORK/copy" --out "$WORK/b.tar"
if cmp -s <(tar -xOf "$WORK/a.tar" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])') \
          <(tar -xOf "$WORK/b.tar" manifest.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'); then
  echo "manifests: the same entries (path, size, SHA-256)"
else
  echo "manifests: DIFFER"; exit 1
fi
echo "disk: $(dd if="$WORK/a.tar" of=/dev/null bs=4M 2>&1 | tail -1)"
