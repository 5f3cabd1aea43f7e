#!/usr/bin/env bash
# The whole test suite: a Release build (with -Werror) and an ASan+UBSan build,
# each run through ctest. Models come from $FACEAU_MODELS
# (default ../shared/openface-models).
set -euo pipefail
cd "$(dirname "$0")/.."
export FACEAU_MODELS=${FACEAU_MODELS:-$(cd .. && pwd)/shared/openface-models}
jobs=$(nproc)
for cfg in release asan; do
  dir=build-test-$cfg
  extra=()
  [ "$cfg" = asan ] && extra=(-DFAU_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  cmake -S . -B "$dir" -DFAU_WERROR=ON "${extra[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "== ctest ($cfg) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j"$jobs"
done
