#!/usr/bin/env bash
# Quick start 1: install what is missing, then open LayerForge with an example project.
#   ./packaging/start.sh              opens the Spiral MLP example, ready to train
#   ./packaging/start.sh my.lfproj    opens your project instead
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
lf_install_system gui
lf_install_venv
if [ $# -eq 0 ]; then
    set -- "$LF_ROOT/resources/examples/spiral_mlp.lfproj"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "layerforge: no display found (DISPLAY and WAYLAND_DISPLAY are empty)." >&2
    echo "  On a desktop, run this from a terminal inside it; on a server, train headless:" >&2
    echo "  $LF_VENV/bin/layerforge train $1" >&2
    exit 1
fi
exec "$LF_VENV/bin/layerforge" "$@"
