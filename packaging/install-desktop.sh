#!/usr/bin/env bash
# Adds LayerForge to the desktop menu for the current user and associates .lfproj files
# with it. Run from the unpacked bundle (dist/LayerForge/) or from a checkout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -x "$here/layerforge" ]; then                      # inside the bundle
    program="$here/layerforge"; app="$here/_internal/resources/app"
else                                                    # a checkout with .venv
    program="$(cd "$here/.." && pwd)/.venv/bin/layerforge"; app="$(cd "$here/.." && pwd)/resources/app"
fi
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications" "$data/mime/packages"
sed "s|^Exec=layerforge|Exec=\"$program\"|" "$app/layerforge.desktop" > "$data/applications/layerforge.desktop"
cp "$app/layerforge-mime.xml" "$data/mime/packages/layerforge.xml"
for png in "$app"/icons/layerforge-*.png; do
    size="$(basename "$png" .png)"; size="${size#layerforge-}"
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$data/icons/hicolor/${size}x${size}/apps/layerforge.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps"
cp "$app/layerforge.svg" "$data/icons/hicolor/scalable/apps/layerforge.svg"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "LayerForge added to the applications menu; .lfproj files open with it."
