"""The desktop bundle's entry point (PyInstaller runs this as ``layerforge``).

Besides starting LayerForge it answers a few Python-interpreter invocations, because
some of LayerForge's own work starts a fresh interpreter with ``sys.executable``,
which inside a bundle is this program: verifying a standalone-code export
(``-I -S -c CODE SCRIPT ...``) and multi-process training (``-m MODULE ...``).
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys

_INTERPRETER_FLAGS = {"-I", "-S", "-E", "-s", "-u", "-B", "-O"}


def _run_as_interpreter(argv: list[str]) -> int | None:
    """Behave like ``python ARGS`` for ``-c`` and ``-m``; ``None`` if ARGS are LayerForge's."""
    args = list(argv)
    while args and args[0] in _INTERPRETER_FLAGS:
        args.pop(0)
    if len(args) >= 2 and args[0] == "-c":
        sys.argv = ["-c", *args[2:]]
        exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        return 0
    if len(args) >= 2 and args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return 0
    return None


def main() -> int:
    multiprocessing.freeze_support()
    code = _run_as_interpreter(sys.argv[1:])
    if code is not None:
        return code
    from designer.launch import entry

    entry()  # ends the process (a CLI command as core.cli.exit_now says)
    return 0


if __name__ == "__main__":
    sys.exit(main())
