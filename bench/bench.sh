#!/usr/bin/env bash
# Benchmark: runs the faceau binary over every clip in ../shared/media and prints,
# per clip, model-load time, frames, decode frames/s, wall time and peak RSS.
# Usage: bench/bench.sh [FACEAU_BIN] [--threads N]
# (Grows with the pipeline: per-stage ms/frame and the ratio to OpenFace's
# reference timing come with the landmark and AU stages.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/faceau}
shift || true
shared=$(cd "$here/../.." && pwd)/shared
export FACEAU_MODELS=${FACEAU_MODELS:-$shared/openface-models}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-40s %10s %7s %12s %8s %8s\n' clip load_ms frames decode_fps wall_s rss_MB
tail -n +2 "$shared/media/MANIFEST.tsv" | cut -f1 | grep -v '^images/' | while read -r clip; do
  /usr/bin/time -f '%e %M' -o "$out/time" "$bin" -f "$shared/media/$clip" -out_dir "$out" "$@" >"$out/log" 2>&1 || {
    echo "$clip: faceau failed: $(tail -1 "$out/log")"; continue; }
  load=$(sed -n 's/.*loaded in \([0-9]*\) ms.*/\1/p' "$out/log")
  frames=$(sed -n 's/.*: \([0-9]*\) frame(s) decoded.*/\1/p' "$out/log")
  fps=$(sed -n 's/.*, \([0-9.]*\) frames\/s$/\1/p' "$out/log")
  read -r wall rss <"$out/time"
  printf '%-40s %10s %7s %12s %8s %8.1f\n' "$clip" "$load" "$frames" "$fps" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
done
