#!/usr/bin/env bash
# Issue 5 acceptance: the AU stage fed OpenFace's own landmarks
# (--landmarks-from golden/hp/<clip>.csv) against OpenFace's output, judged by
# ../shared/tools/faceau-compare: the default profile on the ordinary goldens,
# the strict profile with --precision full on the hp goldens, and HOG and
# aligned faces for the clips in golden/full.
. "$(dirname "$0")/lib.sh"
g=$FAU_SHARED_DIR/golden
cmp_tool=$FAU_SHARED_DIR/tools/faceau-compare
flags=(-2Dfp -3Dfp -pdmparams -pose -aus -gaze -q)
check() { # check NAME GOLDEN OURS [compare args...]
  local name=$1 gold=$2 ours=$3; shift 3
  if "$cmp_tool" "$gold" "$ours" "$@" >"$tmp_root/$name.cmp" 2>&1; then ok; else
    fail "$name: $(grep -E 'FAIL|rror' "$tmp_root/$name.cmp" | head -3 | tr '\n' ' ')"; fi
}
for hp in "$g"/hp/*.csv; do
  name=$(basename "$hp" .csv)
  media=$(ls "$FAU_SHARED_DIR/media/$name".* | head -1)
  extra=()
  [ -d "$g/full/$name" ] && extra=(-hogalign -simalign)
  out=$tmp_root/v_$name
  if run_expect 0 "v_$name" -- -f "$media" --landmarks-from "$hp" -out_dir "$out" "${flags[@]}" "${extra[@]}"; then
    check "v_$name" "$g/$name.csv" "$out/$name.csv" --only aus
    if [ -d "$g/full/$name" ]; then
      check "hog_$name" "$g/full/$name/$name.hog" "$out/$name.hog" --hog
      check "aligned_$name" "$g/full/$name/${name}_aligned" "$out/${name}_aligned" --aligned
    fi
  fi
  outp=$tmp_root/vp_$name
  if run_expect 0 "vp_$name" -- -f "$media" --landmarks-from "$hp" -out_dir "$outp" "${flags[@]}" --precision full; then
    check "vp_$name" "$hp" "$outp/$name.csv" --only aus --profile strict
  fi
done
for hp in "$g"/hp/images/*.csv; do
  name=$(basename "$hp" .csv)
  media=$(ls "$FAU_SHARED_DIR/media/images/$name".* | head -1)
  out=$tmp_root/i_$name
  if run_expect 0 "i_$name" -- image -f "$media" --landmarks-from "$hp" -out_dir "$out" "${flags[@]}"; then
    check "i_$name" "$g/images/$name.csv" "$out/$name.csv" --only aus
  fi
  if run_expect 0 "ip_$name" -- image -f "$media" --landmarks-from "$hp" -out_dir "$out" "${flags[@]}" --precision full; then
    check "ip_$name" "$hp" "$out/$name.csv" --only aus --profile strict
  fi
done
finish
