#!/usr/bin/env bash
# Builds sbi (release) and runs the main job. Until the recipe runner lands this
# is the CLI overview and the GEMM benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release
.build/release/sbi --help
.build/release/sbi bench gemm
