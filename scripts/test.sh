#!/usr/bin/env bash
# Runs every test in an optimised build (numerical tests are 10-100x slower in debug).
# Installs missing system packages first, and numpy and h5py from PyPI into .build/pyenv when
# the system python lacks them: they only cross-check our .npy files and our reading of MadMiner's HDF5.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if python3 -c 'import numpy, h5py' >/dev/null 2>&1; then
    SBI_PYTHON=$(command -v python3)
else
    if [ ! -x .build/pyenv/bin/python ] || ! .build/pyenv/bin/python -c 'import numpy, h5py' >/dev/null 2>&1; then
        mkdir -p .build
        python3 -m venv .build/pyenv
        .build/pyenv/bin/pip install -q numpy h5py
    fi
    SBI_PYTHON=$PWD/.build/pyenv/bin/python
fi
export SBI_PYTHON
swift build -c release -Xswiftc -enable-testing
# The Slurm executor's end-to-end tests run through a real single-node cluster on this machine,
# stopped again however the tests end. Without root the cluster cannot start and those tests fail.
SBI_SLURM_CONF=$(bash scripts/slurm-local.sh start)
export SBI_SLURM_CONF
trap 'bash scripts/slurm-local.sh stop' EXIT
swift test -c release -Xswiftc -enable-testing --disable-swift-testing
