#!/usr/bin/env bash
# The whole pipeline (MTCNN, CLNF tracking/fitting, pose, gaze, AUs) against
# OpenFace 2.2: `faceau -f` on every golden clip and `faceau image` on every
# golden image, with the flags of golden/README.md, each judged by
# ../shared/tools/faceau-compare (default profile) on the ordinary golden
# CSV; its verdict is the test's. Images where OpenFace found no face must
# give no CSV, only NAME_of_details.txt.
#
# Under ASan/UBSan (a binary linked with libasan) only a short subset runs
# (one clip with the eye models active, a one-face and a five-face image and
# a no-face image, and the two-image folder run) to keep the sanitizer
# build's suite within its budget;
# FAU_PARITY_ALL=1 forces every input.
. "$(dirname "$0")/lib.sh"
g=$FAU_SHARED_DIR/golden
media=$FAU_SHARED_DIR/media
cmp_tool=$FAU_SHARED_DIR/tools/faceau-compare
flags=(-2Dfp -3Dfp -pdmparams -pose -aus -gaze -q)

subset=0
if [ "${FAU_PARITY_ALL:-0}" != 1 ] && ldd "$FAU_BIN" 2>/dev/null | grep -q 'libasan'; then
  subset=1
  echo "sanitizer build: subset of the inputs (FAU_PARITY_ALL=1 for all)"
fi
wanted() { # wanted NAME: is this input part of the run?
  [ "$subset" = 0 ] && return 0
  case $1 in gaze_eyes_vp9|expr_surprise_f1|multi_face_5|no_face_landscape_1920x1080) return 0 ;; esac
  return 1
}

# judge NAME GOLDEN OURS: starts faceau-compare in the background (it
# overlaps the next faceau run); report prints the verdicts in order. The
# CSV must also be byte-identical to OpenFace's (faceau reproduces every
# operation's rounding; see README).
judged=()
judge() {
  local name=$1 gold=$2 ours=$3 log=$tmp_root/${1//\//_}.cmp
  if [ ! -f "$ours" ]; then fail "$name: no CSV written"; return; fi
  if cmp -s "$gold" "$ours"; then ok; else fail "$name: CSV not byte-identical to OpenFace's"; fi
  ( "$cmp_tool" "$gold" "$ours" >"$log" 2>&1; echo $? >"$log.rc" ) &
  judged+=("$name|$log")
}
report() { # one summary line per input, and the test verdict
  wait
  local item name log rc lm pose gaze aus verdict
  for item in "${judged[@]}"; do
    name=${item%%|*} log=${item#*|}
    if [ "${log:0:1}" = @ ]; then # a verdict of our own: "@TEXT"
      printf '%-36s PASS  %s\n' "$name" "${log:1}"; ok; continue
    fi
    rc=$(cat "$log.rc" 2>/dev/null || echo 2)
    lm=$(sed -n 's/^ *landmarks  *\(mean [^ ]*  p95 [^ ]*  max [^ ]* px\).*/\1/p' "$log" | head -1)
    pose=$(sed -n 's/^ *pose  *\(R max [^ ]* deg  T MAE [^ ]* mm\).*/\1/p' "$log" | head -1)
    gaze=$(sed -n 's/^ *gaze  *vec mean \([^ ]*\) max \([^ ]*\) deg.*/\1 \/ \2 deg/p' "$log" | head -1)
    aus=$(sed -n 's/^ *aus_r .*mean r \([^ ]*\) .*/\1/p' "$log" | head -1)
    [ "$rc" = 0 ] && verdict=PASS || verdict=FAIL
    printf '%-36s %s  landmarks %s | pose %s | gaze %s | AU r %s\n' \
      "$name" "$verdict" "${lm:-?}" "${pose:-?}" "${gaze:-?}" "${aus:-?}"
    if [ "$rc" = 0 ]; then ok; else
      fail "$name: $(grep -E 'FAIL|rror' "$log" | head -4 | sed 's/  */ /g' | tr '\n' ';')"; fi
  done
}

for gold in "$g"/*.csv; do
  name=$(basename "$gold" .csv)
  wanted "$name" || continue
  clip=$(ls "$media/$name".* 2>/dev/null | head -1)
  [ -n "$clip" ] || { fail "$name: no media file"; continue; }
  out=$tmp_root/v_$name
  run_expect 0 "v_$name" -- -mloc model/main_clnf_general.txt -f "$clip" -out_dir "$out" "${flags[@]}" &&
    judge "$name" "$gold" "$out/$name.csv"
done

# Images: every one in the media folder; those without a golden CSV are
# the ones where OpenFace found no face.
for img in "$media"/images/*; do
  name=$(basename "$img"); name=${name%.*}
  wanted "$name" || continue
  out=$tmp_root/i_$name
  run_expect 0 "i_$name" -- image -mloc model/main_clnf_general.txt -f "$img" -out_dir "$out" "${flags[@]}" || continue
  if [ -f "$g/images/$name.csv" ]; then
    judge "images/$name" "$g/images/$name.csv" "$out/$name.csv"
  elif [ -e "$out/$name.csv" ]; then
    fail "images/$name: OpenFace found no face and wrote no CSV, faceau wrote $(($(wc -l <"$out/$name.csv") - 1)) row(s)"
  elif [ ! -f "$out/${name}_of_details.txt" ]; then
    fail "images/$name: no ${name}_of_details.txt"
  else
    judged+=("images/$name|@no face, no CSV (as OpenFace)")
  fi
done
# FaceLandmarkImg over a folder: one CSV per image with faces, named after
# the image, each judged like the single-image run.
fdir=$tmp_root/fdir
mkdir -p "$fdir"
cp "$media/images/expr_surprise_f1.jpg" "$media/images/no_face_landscape_1920x1080.jpg" "$fdir/"
out=$tmp_root/d_fdir
if run_expect 0 d_fdir -- image -mloc model/main_clnf_general.txt -fdir "$fdir" -out_dir "$out" "${flags[@]}" --timings; then
  # --timings: one line per input with every stage, even under -q.
  if grep -qE '^faceau timings: .*: frames=2 faces=1 decode=[0-9.]+ detection=[0-9.]+ landmarks=[0-9.]+ validator=[0-9.]+ pose_gaze=[0-9.]+ aus=[0-9.]+ output=[0-9.]+ total=[0-9.]+ fps=' \
      "$tmp_root/d_fdir.out"; then ok; else fail "fdir: no --timings line: $(head -c 300 "$tmp_root/d_fdir.out")"; fi
  judge "fdir/expr_surprise_f1" "$g/images/expr_surprise_f1.csv" "$out/expr_surprise_f1.csv"
  if [ -e "$out/no_face_landscape_1920x1080.csv" ] || [ ! -f "$out/no_face_landscape_1920x1080_of_details.txt" ]; then
    fail "fdir: the no-face image must give only its _of_details.txt"
  else ok; fi
fi
# Same bytes whatever the SIMD level and thread count: the portable
# (scalar, fmaf) paths with 2 threads against the default run.
det_name=gaze_eyes_vp9 det_in=$media/gaze_eyes_vp9.webm det_cmd=()
[ "$subset" = 1 ] && det_name=expr_surprise_f1 det_in=$media/images/expr_surprise_f1.jpg det_cmd=(image)
ref_csv=$tmp_root/v_$det_name/$det_name.csv
[ "$subset" = 1 ] && ref_csv=$tmp_root/i_$det_name/$det_name.csv
out=$tmp_root/s_$det_name
if FACEAU_SIMD=scalar run_expect 0 "s_$det_name" -- "${det_cmd[@]}" -mloc model/main_clnf_general.txt \
    -f "$det_in" -out_dir "$out" "${flags[@]}" --threads 2; then
  if cmp -s "$ref_csv" "$out/$det_name.csv"; then ok
  else fail "$det_name: FACEAU_SIMD=scalar --threads 2 output differs from the default run"; fi
fi
report
finish
