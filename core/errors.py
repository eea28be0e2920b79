"""Errors a person can act on.

Every problem caused by a person's input (a project file, a data file, a layer
size) is raised as a :class:`LayerForgeError` subclass whose message is one clear
sentence naming where the problem is and what to do. The CLI prints the message on
stderr and exits with code 2; the designer shows it in a dialog or inline. Anything
else that escapes is a bug in LayerForge.
"""

from __future__ import annotations


class LayerForgeError(Exception):
    """A problem a person can fix; ``str(err)`` is the sentence to show them."""

    def __init__(self, message: str, *, location: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return self.message


class ProjectError(LayerForgeError):
    """A project file cannot be read, or its content is invalid.

    ``problems`` holds every sentence when several were found at once.
    """

    def __init__(self, message: str, *, location: str | None = None,
                 problems: list[str] | None = None):
        super().__init__(message, location=location)
        self.problems = problems or [message]


class UnknownNameError(LayerForgeError):
    """A name that a registry (optimizers, losses, schedules, metrics, ...) does not know.

    ``subject`` is what was asked for (``"optimizer"``) and ``name`` the name given.
    """

    def __init__(self, message: str, *, subject: str = "", name: object = None,
                 location: str | None = None):
        super().__init__(message, location=location)
        self.subject = subject
        self.name = name


class UnknownLayerError(ProjectError):
    """A layer type name that the registry does not know."""


class ParamError(LayerForgeError):
    """A layer parameter value that is out of range or of the wrong kind."""

    def __init__(self, message: str, *, param: str | None = None, location: str | None = None):
        super().__init__(message, location=location)
        self.param = param


class GraphError(LayerForgeError):
    """An edit that would break the graph (cycle, self-loop, duplicate id, ...)."""


class ShapeError(LayerForgeError):
    """A layer cannot accept the shape it receives; the message says what to add or change."""


class DataError(LayerForgeError):
    """A data file or folder cannot be used; the message names file, row, column or image."""


class TrainingError(LayerForgeError):
    """Training cannot start or had to stop (diverging loss, bad settings, ...)."""


class ExportError(LayerForgeError):
    """An export failed or did not verify."""
