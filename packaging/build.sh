#!/usr/bin/env bash
# Builds the self-contained one-folder desktop bundle from a clean checkout, then smoke-tests it.
#   ./packaging/build.sh            -> dist/LayerForge/layerforge (+ dist/LayerForge-linux-x86_64.tar.gz)
# Needs nothing installed by hand: system libraries and the .venv come from bootstrap.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
lf_install_system base
lf_install_venv
cd "$LF_ROOT"
"$LF_VENV/bin/python" -m pip install -q --disable-pip-version-check "pyinstaller>=6.10"

started=$(date +%s)
"$LF_VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$LF_ROOT/dist" --workpath "$LF_ROOT/build/pyinstaller" packaging/layerforge.spec
# Desktop integration files travel with the bundle (see packaging/install-desktop.sh).
cp packaging/install-desktop.sh dist/LayerForge/
echo "layerforge: built dist/LayerForge in $(( $(date +%s) - started )) s, $(du -sh dist/LayerForge | cut -f1)" >&2

# The bundle must start offscreen, open an example, check its shapes and train an epoch.
QT_QPA_PLATFORM=offscreen dist/LayerForge/layerforge --smoke-test

if [ "${LF_NO_TARBALL:-}" != 1 ]; then
    tar -C dist -czf dist/LayerForge-linux-x86_64.tar.gz LayerForge
    echo "layerforge: wrote dist/LayerForge-linux-x86_64.tar.gz ($(du -sh dist/LayerForge-linux-x86_64.tar.gz | cut -f1))" >&2
fi
