#!/usr/bin/env bash
# Installs the Debian packages sbi builds against, when any is missing; does
# nothing when all are present. Root runs apt-get directly, others through sudo.
#   bash scripts/setup.sh          build dependencies
#   bash scripts/setup.sh --test   also what the tests need: python3 and venv (cross-checks),
#                                  slurm-wlm and munge (the single-node cluster of scripts/slurm-local.sh)
#                                  and chromium (renders report.html headless in the report test)
set -euo pipefail
packages=(libgsl-dev libopenblas-dev libyaml-dev zlib1g-dev libhdf5-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
    packages+=(python3 python3-venv slurm-wlm munge chromium)
fi
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# A python3 outside dpkg (pyenv, /usr/local) that already has venv counts as present.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    filtered=()
    for p in "${missing[@]}"; do
        case "$p" in python3|python3-venv) ;; *) filtered+=("$p") ;; esac
    done
    missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    echo "sbi setup: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
