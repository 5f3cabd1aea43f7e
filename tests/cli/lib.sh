# Helpers for the CLI tests (sourced). FAU_BIN, FAU_SHARED_DIR, FACEAU_MODELS come from ctest.
set -u
: "${FAU_BIN:?FAU_BIN not set}" "${FAU_SHARED_DIR:?FAU_SHARED_DIR not set}"
failures=0
passes=0
tmp_root=$(mktemp -d "${TMPDIR:-/tmp}/faceau-cli-XXXXXX")
trap 'rm -rf "$tmp_root"' EXIT

ok()   { passes=$((passes + 1)); }
fail() { failures=$((failures + 1)); echo "FAIL: $*"; }

# run_expect CODE NAME -- ARGS...: runs faceau with a 120 s limit, stores stderr in $err_file.
run_expect() {
  local want=$1 name=$2; shift 3
  err_file=$tmp_root/$name.err
  timeout 120 "$FAU_BIN" "$@" >"$tmp_root/$name.out" 2>"$err_file"
  got=$?
  if [ "$got" = 124 ]; then fail "$name: timed out"; return 1; fi
  if [ "$got" != "$want" ]; then fail "$name: exit $got, expected $want ($(head -c 300 "$err_file"))"; return 1; fi
  return 0
}

# One non-empty stderr line that starts with "faceau: error:" and contains $1 (fixed string).
expect_one_line_naming() {
  local name=$1 needle=$2
  local lines
  lines=$(grep -c . "$err_file")
  [ "$lines" = 1 ] || { fail "$name: $lines stderr lines, expected 1: $(head -c 400 "$err_file")"; return 1; }
  grep -q '^faceau: error: ' "$err_file" || { fail "$name: stderr does not start with 'faceau: error:'"; return 1; }
  grep -qF -- "$needle" "$err_file" || { fail "$name: error does not name '$needle': $(cat "$err_file")"; return 1; }
  return 0
}

finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" = 0 ]
}
