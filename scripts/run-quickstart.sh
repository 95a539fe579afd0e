#!/usr/bin/env bash
# Builds sbi (release) and runs the main job: the shipped quickstart recipe end to end
# (simulate + augment, train ALICES, likelihood scan against the exact likelihood, contour
# files). Results go to sbi-output/gaussian-quickstart/ (the recipe's outputs.folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release
.build/release/sbi fit Recipes/gaussian-quickstart.yaml "$@"
