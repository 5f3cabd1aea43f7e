#!/usr/bin/env bash
# `faceau models check` and damaged or missing model files: exit 3, one line
# naming the file, no output left behind.
. "$(dirname "$0")/lib.sh"
models=${FACEAU_MODELS:?}
clip=$FAU_SHARED_DIR/media/video01.mp4

run_expect 0 check -- models check --models "$models" && grep -q '^all model files' "$tmp_root/check.out" && ok || fail "models check on the real models"

# A copy made of links, with one file replaced: the file is named, the code is 3.
copy_with() { # copy_with NAME REL: $tmp_root/NAME mirrors $models with REL removed
  local dst=$tmp_root/$1
  mkdir -p "$dst"
  cp -rs "$models/." "$dst/"
  rm -f "$dst/$2"
  echo "$dst"
}
rel=model/patch_experts/ccnf_patches_0.35_general.txt
d=$(copy_with truncated "$rel")
head -c 100000 "$models/$rel" >"$d/$rel"
run_expect 3 trunc_check -- models check --models "$d" -q && grep -q "$rel" "$tmp_root/trunc_check.out" && ok || fail "check names the truncated file"
out=$tmp_root/out_trunc
if run_expect 3 trunc_run -- --models "$d" -f "$clip" -out_dir "$out"; then
  expect_one_line_naming trunc_run "$rel" && ok
fi
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || fail "output left after a model failure"

rel=model/pdms/In-the-wild_aligned_PDM_68.txt
d=$(copy_with missing "$rel")
if run_expect 3 missing_run -- --models "$d" -f "$clip" -out_dir "$tmp_root/out_missing"; then
  expect_one_line_naming missing_run "$rel" && grep -q 'searched' "$err_file" && ok
fi
run_expect 3 missing_check -- models check --models "$d" -q && grep -q "missing.*$rel" "$tmp_root/missing_check.out" && ok || fail "check names the missing file"

rel=model/mtcnn_detector/ONet.dat
d=$(copy_with garbage "$rel")
head -c 5000 /dev/urandom >"$d/$rel"
run_expect 3 garbage_check -- models check --models "$d" -q && grep -q "$rel" "$tmp_root/garbage_check.out" && ok || fail "check names the damaged file"
if run_expect 3 garbage_run -- --models "$d" -f "$clip" -out_dir "$tmp_root/out_garbage"; then
  expect_one_line_naming garbage_run "$rel" && ok
fi

# CE-CLM needs CEN patch files that are not shipped: clear error, not a crash.
if run_expect 3 ceclm -- --models "$models" -mloc model/main_ceclm_general.txt -f "$clip" -out_dir "$tmp_root/o"; then
  expect_one_line_naming ceclm "CEN" && ok
fi
finish
