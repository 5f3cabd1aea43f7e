#!/usr/bin/env bash
# The whole test suite through ctest: a Release build (-Werror), an
# ASan+UBSan build, and a build without FFmpeg (the GPU machine's setup:
# images, image folders and .y4m only; its unit tests). Models come from
# $FACEAU_MODELS (default ../shared/openface-models).
set -euo pipefail
cd "$(dirname "$0")/.."
export FACEAU_MODELS=${FACEAU_MODELS:-$(cd .. && pwd)/shared/openface-models}
jobs=$(nproc)
run() { # run NAME CTEST_ARGS -- CMAKE_ARGS...
  local name=$1 label=$2; shift 3
  local dir=build-test-$name
  cmake -S . -B "$dir" -DFAU_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "== ctest ($name) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" $label
}
run release "" -- -DCMAKE_BUILD_TYPE=Release
run asan "" -- -DFAU_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
run no-ffmpeg "-L unit" -- -DCMAKE_BUILD_TYPE=Release -DFAU_FFMPEG=OFF
