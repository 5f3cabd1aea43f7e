#!/usr/bin/env bash
# Set-up and main job: installs the Debian packages, builds Release, and runs
# faceau on the default clip (../shared/media/video01.mp4) into ./out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
export FACEAU_MODELS=${FACEAU_MODELS:-$(cd .. && pwd)/shared/openface-models}
clip=${1:-../shared/media/video01.mp4}
./build/faceau -f "$clip" -out_dir out -2Dfp -3Dfp -pdmparams -pose -aus -gaze
