"""Before Qt starts: can it open a window? If not, say which system package to install.

On a fresh Linux machine Qt's X11 plugin (``libqxcb.so``) cannot load when a library it
links is missing (``libxcb-cursor0`` most often); Qt then prints a message that does not
name the package and aborts the process (``qFatal``), so nothing after it can explain.
:func:`window_problem` looks first, without importing Qt: ``ldd`` on the plugin lists the
libraries that are "not found", and each library's Debian package follows from its file
name (``libxcb-cursor.so.0`` is in ``libxcb-cursor0``; the same names as ``LF_APT_GUI`` in
``packaging/bootstrap.sh``). Other platforms and Qt's own platform choices are left alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Libraries whose Debian package name does not follow from the file name.
PACKAGE_EXCEPTIONS = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
                      "libGLdispatch.so.0": "libglvnd0", "libbrotlidec.so.1": "libbrotli1",
                      "libbrotlicommon.so.1": "libbrotli1"}
PREFIX = "layerforge: Qt cannot open a window"
#: Libraries that ship with PySide6 itself, never a system package.
BUNDLED = ("libQt6", "libpyside6", "libshiboken6", "libicu")


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname``: ``libxcb-cursor.so.0`` -> ``libxcb-cursor0``,
    ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0`` (a name ending in a digit gets a dash)."""
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    name, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    dash = "-" if name[-1:].isdigit() and version else ""
    return f"{name}{dash}{version}".lower()


def platform_name(argv: list[str]) -> str:
    """The Qt platform plugin the window would use: ``-platform X``, else ``QT_QPA_PLATFORM``."""
    for option, value in zip(argv, argv[1:]):
        if option in ("-platform", "--platform"):
            return value
    return os.environ.get("QT_QPA_PLATFORM", "")


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(plugin: Path) -> list[str]:
    """The libraries ``plugin`` needs that the system lacks (``ldd``: "... => not found")."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        listing = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", listing, flags=re.MULTILINE)
    # Qt's and PySide's own libraries come with PySide6 (or the bundle), found at run time
    # through paths ldd may not follow: only system libraries are the person's to install.
    return sorted({name for name in found if not name.startswith(BUNDLED)})


def window_problem(argv: list[str]) -> str | None:
    """One sentence saying why Qt cannot open a window here and what to install, or None."""
    if not sys.platform.startswith("linux") or platform_name(argv).split(":")[0] not in ("", "xcb"):
        return None
    if not platform_name(argv) and os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return None  # Qt takes the Wayland plugin
    plugin = xcb_plugin()
    missing = missing_libraries(plugin) if plugin is not None else []
    if not missing:
        return None
    packages = sorted({debian_package(name) for name in missing})
    one = len(packages) == 1
    return (f"{PREFIX}: the system librar{'y' if one else 'ies'} {', '.join(packages)}"
            f" {'is' if one else 'are'} missing; install {'it' if one else 'them'} with:"
            f" sudo apt-get install {' '.join(packages)}")
