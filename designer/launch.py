"""The ``layerforge`` console script: a CLI command, or the designer window.

``layerforge check|train|export|predict ...`` runs headless (no Qt import), so the
same installation trains on a server without a display; anything else opens the
designer, with a project file if one is given. ``layerforge --smoke-test`` checks an
installation headless (designer/smoke_test.py).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from core.cli import COMMANDS, main as cli_main

    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return cli_main(argv)
    if "--smoke-test" in argv:
        from designer.smoke_test import run as smoke_test

        return smoke_test([a for a in argv if a != "--smoke-test"])
    from designer.app import run

    return run(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
