"""The ``layerforge`` console script: a CLI command, or the designer window.

``layerforge check|train|export|predict ...`` runs headless (no Qt import), so the
same installation trains on a server without a display; ``layerforge [PROJECT]`` opens
the designer, with the project file if one is given. A word that is neither a command
nor an existing file (``layerforge trian``) gets one line on stderr and exit code 2,
never a window. ``layerforge --smoke-test`` checks an installation headless
(designer/smoke_test.py). When Qt could not open a window for want of a system library,
one line names the package to install (designer/qt_check.py) and the exit code is 2.
"""

from __future__ import annotations

import os
import sys


def entry() -> None:
    """The console script: :func:`main`; a CLI command's process then ends the way
    ``core.cli.exit_now`` says (no native exit-time destructors), the window's as usual."""
    from core.cli import COMMANDS, exit_now

    argv = sys.argv[1:]
    code = main(argv)
    if argv and argv[0] in COMMANDS:
        exit_now(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from core.cli import COMMANDS, main as cli_main

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return cli_main(argv)
    if "--smoke-test" in argv:
        from designer.smoke_test import run as smoke_test

        return smoke_test([a for a in argv if a != "--smoke-test"])
    missing = next((a for a in _paths(argv) if not os.path.exists(a)), None)
    if missing is not None:
        from core.cli import unknown_word

        print(unknown_word(missing), file=sys.stderr)
        return 2
    from designer.qt_check import window_problem

    problem = window_problem(argv)  # Qt would abort with a message that names no package
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from designer.app import run

    return run(argv)


def _paths(argv: list[str]):
    """The words the window would open: not options, nor the value of a Qt option
    (``-platform offscreen``, ``-style fusion``)."""
    previous = ""
    for arg in argv:
        if not arg.startswith("-") and not (previous.startswith("-") and not previous.startswith("--")):
            yield arg
        previous = arg


if __name__ == "__main__":  # pragma: no cover
    entry()
