#!/usr/bin/env bash
# Every file in ../shared/bad is refused: exit code 4, one stderr line naming
# the file, no output files, no crash or hang.
. "$(dirname "$0")/lib.sh"
bad=$FAU_SHARED_DIR/bad
shopt -s nullglob
n=0
for path in "$bad"/*; do
  base=$(basename "$path")
  [ "$base" = README.md ] && continue
  n=$((n + 1))
  case "$base" in
    *.png|*.jpg) cmd=(image) ;;
    *) cmd=() ;;
  esac
  out=$tmp_root/out_$n
  mkdir -p "$out"
  if run_expect 4 "bad_$n" -- "${cmd[@]}" -f "$path" -out_dir "$out" -2Dfp -3Dfp -pdmparams -pose -aus -gaze; then
    expect_one_line_naming "bad_$n ($base)" "$path" && ok
  fi
  left=$(find "$out" -mindepth 1 | head -3)
  [ -z "$left" ] || fail "$base: left output behind: $left"
done
[ "$n" -ge 20 ] || fail "expected the whole bad corpus (>= 20 files), found $n"
# A path that does not exist at all.
if run_expect 4 missing -- -f "$tmp_root/does not exist.mp4" -out_dir "$tmp_root/o"; then
  expect_one_line_naming missing "does not exist.mp4" && ok
fi
finish
