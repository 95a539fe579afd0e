#!/usr/bin/env bash
# Runs `sbi bench train` and the PyTorch reference (pytorch_reference.py) on this machine
# with the same thread count and prints both figures and their ratio side by side.
#
#   benchmarks/compare.sh                 # threads = number of cores, 2 s per figure, best of 1 round
#   THREADS=1 SECONDS_PER_FIGURE=5 ROUNDS=3 benchmarks/compare.sh
#
# Environment:
#   THREADS             threads for OpenBLAS (sbi --threads) and torch.set_num_threads (default: nproc)
#   SECONDS_PER_FIGURE  minimum measuring time per figure (default 2)
#   ROUNDS              alternate sbi and PyTorch this many times and keep each figure's best (default 1);
#                       more rounds damp the noise of other work on a shared machine
#   SCRATCH             SwiftPM scratch folder for the release build (default .build)
#   TORCH_REQUIREMENT   pip requirement for torch (default: torch from the PyTorch CPU index,
#                       falling back to PyPI's torch, whose Linux wheel also pulls CUDA libraries)
# The first run creates benchmarks/.venv (git-ignored) and installs torch and numpy into it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
threads="${THREADS:-$(nproc)}"
seconds="${SECONDS_PER_FIGURE:-2}"
rounds="${ROUNDS:-1}"
scratch="${SCRATCH:-.build}"
cd "$root"

echo "building sbi (release, scratch $scratch)..." >&2
swift build -c release --scratch-path "$scratch" --product sbi >&2
sbi="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/sbi"

venv="$here/.venv"
python="$venv/bin/python"
if [ ! -x "$python" ]; then
    echo "creating $venv..." >&2
    python3 -m venv "$venv"
fi
if ! "$python" -c "import torch" 2>/dev/null; then
    echo "installing torch into $venv..." >&2
    # PyPI's torch by name; TORCH_REQUIREMENT picks another pin (e.g. a CPU-only build).
    "$venv/bin/pip" install --quiet "${TORCH_REQUIREMENT:-torch}" numpy >&2
fi

# sbi's training suite if this build has it, otherwise whatever `sbi bench` measures.
if "$sbi" bench --help | grep -qE '^ +train '; then suite=train; else suite=all; fi

ours="$(mktemp)"; theirs="$(mktemp)"
trap 'rm -f "$ours" "$theirs"' EXIT
for ((round = 1; round <= rounds; round++)); do
    echo "round $round/$rounds: sbi bench $suite --threads $threads..." >&2
    "$sbi" bench "$suite" --threads "$threads" --seconds "$seconds" >> "$ours"
    echo "round $round/$rounds: pytorch_reference.py --threads $threads..." >&2
    "$python" "$here/pytorch_reference.py" all --threads "$threads" --seconds "$seconds" >> "$theirs"
done

# Best value per name (all figures are rates: higher is better), then one joined table.
awk -v threads="$threads" '
    FNR == 1 { file++ }
    NF >= 3 {
        name = $1; value = $2; unit = $3
        if (!(name in seen)) { seen[name] = 1; order[++n] = name; units[name] = unit }
        if (file == 1) { if (!(name in a) || value + 0 > a[name] + 0) a[name] = value }
        else           { if (!(name in b) || value + 0 > b[name] + 0) b[name] = value }
    }
    END {
        printf "%-36s %12s %12s %12s  %s   (threads %s)\n", "figure", "sbi", "pytorch", "sbi/pytorch", "unit", threads
        for (i = 1; i <= n; i++) {
            k = order[i]
            x = (k in a) ? a[k] : "-"; y = (k in b) ? b[k] : "-"
            r = (k in a && k in b && b[k] + 0 > 0) ? sprintf("%.2f", a[k] / b[k]) : "-"
            printf "%-36s %12s %12s %12s  %s\n", k, x, y, r, units[k]
        }
    }' "$ours" "$theirs"
