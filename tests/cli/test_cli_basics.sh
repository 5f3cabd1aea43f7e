#!/usr/bin/env bash
# Usage errors, --help, --version, info, and missing models.
. "$(dirname "$0")/lib.sh"
run_expect 0 help -- --help && grep -q 'Exit codes' "$tmp_root/help.out" && ok || fail "--help text"
run_expect 0 version -- --version && grep -q '^faceau [0-9]' "$tmp_root/version.out" && ok || fail "--version"
run_expect 2 unknown -- -bogus && expect_one_line_naming unknown "-bogus" && ok
run_expect 2 noinput -- -2Dfp && expect_one_line_naming noinput "no input" && ok
run_expect 2 noval -- -f && expect_one_line_naming noval "-f" && ok
run_expect 2 badint -- --threads x -f a.mp4 && expect_one_line_naming badint "--threads" && ok
run_expect 0 info -- info && grep -q '^simd' "$tmp_root/info.out" && grep -q '^models' "$tmp_root/info.out" && ok || fail info
# Models folder that does not exist: exit 3, names the folder and how to get the files.
clip=$FAU_SHARED_DIR/media/video01.mp4
if run_expect 3 nomodels -- --models "$tmp_root/no-models" -f "$clip" -out_dir "$tmp_root/o"; then
  expect_one_line_naming nomodels "$tmp_root/no-models" && grep -q FACEAU_MODELS "$err_file" && ok
fi
FACEAU_MODELS=$tmp_root/none run_expect 3 envmodels -- -f "$clip" -out_dir "$tmp_root/o" &&
  expect_one_line_naming envmodels '$FACEAU_MODELS' && ok
[ ! -e "$tmp_root/o" ] || [ -z "$(ls -A "$tmp_root/o")" ] || fail "output left after model failure"
finish
