#!/usr/bin/env bash
# Quick start 2: install what is missing, then run the whole test suite (offscreen, no display).
#   ./packaging/test.sh                 every test
#   ./packaging/test.sh tests/core -x   pytest arguments pass through
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
lf_install_system base
lf_install_venv test
cd "$LF_ROOT"
export QT_QPA_PLATFORM=offscreen
exec "$LF_VENV/bin/python" -m pytest "$@"
