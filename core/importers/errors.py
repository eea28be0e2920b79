"""The one error of the importers: a sentence a person can act on, plus every detail."""

from __future__ import annotations

from core.errors import LayerForgeError


class ImportModelError(LayerForgeError):
    """A model file that cannot become a LayerForge project.

    ``problems`` lists every detail (each operation that does not map, with its node
    name); ``needs_input_shape`` is true when giving the input shape (``--input-shape``,
    or the dialog's question) would let the import go on.
    """

    def __init__(self, message: str, *, problems: list[str] | None = None,
                 needs_input_shape: bool = False, location: str | None = None):
        super().__init__(message, location=location)
        self.problems = problems or [message]
        self.needs_input_shape = needs_input_shape


class Unsupported(Exception):
    """Raised by an operation's converter: this node does not map (the text says why)."""
