#!/usr/bin/env bash
# Benchmark: runs the faceau binary single-threaded (--threads 1, and
# OPENBLAS/OMP single-threaded where a BLAS is linked) over every clip in
# ../shared/media and the two images OpenFace was timed on, with the CSV
# flag set of the goldens, and prints per input: ms/frame per stage (from
# faceau --timings), frames/s, wall time, peak RSS (/usr/bin/time), next to
# OpenFace 2.2's figures from ../shared/reference_timing.md where it has one
# (video01: 14.3 ms/frame steady, 406-429 MB; images: whole-run wall time).
#
# Usage: bench/bench.sh [--reference OPENFACE_DIR] [FACEAU_BIN] [extra faceau flags]
#   --reference: the BUILD_DIR of ../shared/tools/build-reference.sh (its
#   run_openface.sh / run_openface_img.sh wrappers): OpenFace is then run on
#   each input right after faceau, same flags, default threads, and its wall
#   time and peak RSS are printed with the ratio OF wall / faceau wall (whole
#   processes, model loading included).
# Stage columns (ms per frame): dec = decode, det = MTCNN, lmk = CLNF fit
# (main model and parts), val = CNN validator, pg = pose + gaze, au = AU
# stage (alignment, HOG, models), out = CSV/HOG/aligned writing and the AU
# post-processing; tot = wall time of the input / frames (model loading
# excluded; it is printed separately).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
refdir=""
if [ "${1:-}" = --reference ]; then
  refdir=$(cd "$2" && pwd)
  shift 2
fi
bin=${1:-$here/../build/faceau}
shift || true
shared=$(cd "$here/../.." && pwd)/shared
export FACEAU_MODELS=${FACEAU_MODELS:-$shared/openface-models}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-mloc model/main_clnf_general.txt -2Dfp -3Dfp -pdmparams -pose -aus -gaze --timings --threads 1)

# OpenFace reference per input (reference_timing.md): "ms/frame RSS_MB" or
# "wall_s RSS_MB" for images.
ref() {
  case $1 in
    video01.mp4) echo "14.3ms 406-429" ;;
    images/expr_surprise_f1.jpg) echo "1.75s 165" ;;
    images/multi_face_5.jpg) echo "1.94s 167-174" ;;
    *) echo "- -" ;;
  esac
}
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$out/log" | head -1; }

printf '%-38s %6s %6s %6s %6s %6s %6s %6s %6s %7s %7s %7s %7s %8s | %-7s %s\n' \
  input frames dec det lmk val pg au out tot fps wall_s load_ms rss_MB OF OF_rss_MB
inputs=$(tail -n +2 "$shared/media/MANIFEST.tsv" | cut -f1 | grep -v '^images/')
inputs="$inputs images/expr_surprise_f1.jpg images/multi_face_5.jpg"
for clip in $inputs; do
  cmd=()
  case $clip in images/*) cmd=(image) ;; esac
  rm -rf "$out/o"
  if ! OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/time -f '%e %M' -o "$out/time" "$bin" "${cmd[@]}" -f "$shared/media/$clip" \
      -out_dir "$out/o" "${flags[@]}" "$@" >"$out/log" 2>&1; then
    echo "$clip: faceau failed: $(tail -1 "$out/log")"
    continue
  fi
  read -r wall rss <"$out/time"
  load=$(sed -n 's/.*loaded in \([0-9]*\) ms.*/\1/p' "$out/log")
  read -r of of_rss <<<"$(ref "$clip")"
  if [ -n "$refdir" ]; then
    # OpenFace itself, same input and outputs, its default threads; it
    # resolves model/ relative to its working directory.
    wrap=$refdir/run_openface.sh
    case $clip in images/*) wrap=$refdir/run_openface_img.sh ;; esac
    rm -rf "$out/ofo"
    if (cd "$refdir/bin" && /usr/bin/time -f '%e %M' -o "$out/oftime" "$wrap" -f "$shared/media/$clip" \
        -out_dir "$out/ofo" -2Dfp -3Dfp -pdmparams -pose -aus -gaze >/dev/null 2>&1); then
      read -r ofwall ofrss <"$out/oftime"
      of="${ofwall}s($(awk -v a="$ofwall" -v b="$wall" 'BEGIN{printf "%.1fx", a/b}'))"
      of_rss=$(awk -v k="$ofrss" 'BEGIN{printf "%.0f", k/1024}')
    else
      of="failed" of_rss="-"
    fi
  fi
  printf '%-38s %6s %6s %6s %6s %6s %6s %6s %6s %7s %7s %7s %7s %8.1f | %-7s %s\n' "$clip" \
    "$(val frames)" "$(val decode)" "$(val detection)" "$(val landmarks)" "$(val validator)" \
    "$(val pose_gaze)" "$(val aus)" "$(val output)" "$(val total)" "$(val fps)" "$wall" \
    "${load:--}" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$of" "$of_rss"
done
if [ -n "$refdir" ]; then
  echo "OF: OpenFace 2.2.0 timed in this run ($refdir): whole-process wall time (ratio to faceau's"
  echo "    wall_s) and peak RSS in MB."
else
  echo "OF: OpenFace 2.2.0 on a shared 2-core EPYC (reference_timing.md): ms/frame steady state"
  echo "    (video01) or whole-run wall time (images, incl. model loading; compare with wall_s)."
fi
