#!/usr/bin/env bash
# Installs what LayerForge needs and is missing, idempotently; sourced by start.sh and test.sh.
#   1. Debian/Ubuntu packages (Python venv support, the libraries Qt loads): installed with
#      apt-get when running as root, otherwise the exact apt-get line is printed.
#   2. A virtual environment in .venv with LayerForge installed in editable mode.
#      It is reinstalled only when pyproject.toml changes, so the second run is fast.
set -euo pipefail

LF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LF_VENV="${LF_VENV:-$LF_ROOT/.venv}"
LF_PYTHON="${LF_PYTHON:-python3}"

# Libraries Qt needs even offscreen, then those a real window on X11 needs.
LF_APT_BASE=(libgl1 libegl1 libglib2.0-0 libfontconfig1 libxkbcommon0 libdbus-1-3 fonts-dejavu-core)
LF_APT_GUI=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
            libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcb-randr0 libxcb-xfixes0)

lf_missing_debs() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    echo "${missing[@]:-}"
}

lf_install_system() {  # usage: lf_install_system base|gui
    command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian/Ubuntu: nothing to do here
    local wanted=("${LF_APT_BASE[@]}")
    [ "${1:-base}" = gui ] && wanted+=("${LF_APT_GUI[@]}")
    command -v "$LF_PYTHON" >/dev/null 2>&1 || wanted+=(python3)
    if ! "$LF_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        wanted+=(python3-venv)
    fi
    local missing
    missing=$(lf_missing_debs "${wanted[@]}")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "layerforge: installing system packages: $missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "layerforge: these system packages are missing; install them with:" >&2
        echo "    sudo apt-get install -y $missing" >&2
        echo "then run this command again." >&2
        exit 1
    fi
}

lf_install_venv() {  # usage: lf_install_venv [extra]   (extra: "test")
    local extra="${1:-}" stamp want
    if [ ! -x "$LF_VENV/bin/python" ]; then
        echo "layerforge: creating the virtual environment $LF_VENV" >&2
        "$LF_PYTHON" -m venv "$LF_VENV"
    fi
    stamp="$LF_VENV/.layerforge-installed"
    want="$(sha256sum "$LF_ROOT/pyproject.toml" | cut -c1-16)${extra:+-$extra}"
    if [ ! -f "$stamp" ] || ! grep -qx -- "$want" "$stamp"; then
        echo "layerforge: installing LayerForge and its dependencies into $LF_VENV" >&2
        local spec="$LF_ROOT"
        [ -n "$extra" ] && spec="$LF_ROOT[$extra]"
        "$LF_VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec"
        echo "$want" >> "$stamp"
    fi
}
