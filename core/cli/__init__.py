"""The ``layerforge`` command line: ``check`` and, from the other modules here, more.

A person's mistake ends with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from core import __version__
from core.errors import LayerForgeError

#: Sub-command name -> module in this package that defines ``add_parser`` and ``run``.
COMMANDS = {
    "check": "core.cli.check",
    "train": "core.cli.train",
    "export": "core.cli.export",
    "predict": "core.cli.predict",
    "generate": "core.cli.generate",
    "explain": "core.cli.explain",
    "diagnose": "core.cli.diagnose",
    "import": "core.cli.import_model",
    "sweep": "core.cli.sweep",
}

EXIT_OK, EXIT_USER_ERROR = 0, 2


def unknown_word(word: str) -> str:
    """What to say for ``layerforge WORD`` when WORD is neither a command nor a file.

    A word that looks like a path (a folder separator or a suffix such as ``.lfproj``) is a
    missing file; any other is a mistyped command, with the nearest one suggested.
    """
    import difflib
    import os

    separators = [s for s in (os.sep, os.altsep, "/") if s]
    if any(s in word for s in separators) or "." in word.strip("."):
        return (f"layerforge: no such file '{word}' (give an existing .lfproj file to open it,"
                " or see 'layerforge --help')")
    close = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.6)
    hint = f": did you mean '{close[0]}'?" if close else ""
    return f"layerforge: unknown command '{word}'{hint} (see 'layerforge --help')"


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="layerforge",
        description="Design, train and export neural networks. Without a command, opens the"
                    " designer window (with PROJECT if given).")
    parser.add_argument("--version", action="version", version=f"LayerForge {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_OK
    module = importlib.import_module(COMMANDS[args.command])
    try:
        return int(module.run(args) or 0)
    except LayerForgeError as err:
        print(f"layerforge {args.command}: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"layerforge {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`layerforge check x | head`): stop quietly, as Unix tools do.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def exit_now(code: int) -> None:
    """End the process with ``code`` once Python's own exit work is done, without the native
    libraries' exit-time destructors.

    A command that fails right after pyarrow's threaded CSV reader gave up (a ragged file)
    aborted at exit in about 1 run in 4 under load ("terminate called without an active
    exception", exit status 134 after the right message): a thread pool torn down while
    its threads still wound down. Here the work Python's exit would do for us is done first
    (other threads joined, atexit handlers and finalizers run, output flushed), then the
    process ends at once.
    """
    import atexit
    import os
    import threading

    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # noqa: SLF001 - what interpreter shutdown runs
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
            pass
    os._exit(code)
