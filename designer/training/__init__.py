"""Training in the designer: the training panel, live plots, run history, and the worker thread.

Entry point for the main window: ``"designer.training:install"`` in
``designer.main_window.EXTENSIONS``; the window calls ``install(services)``.

``install(services)`` adds the Train menu and toolbar (Train F5, Pause F6, Resume F7,
Stop Shift+F5, Continue Selected Run…) and three docks: "Training" (buttons,
progress, the hyperparameter form; tabbed with the Inspector), "Training plots" and
"Runs" (tabbed with Problems at the bottom). It uses :class:`designer.services.Services`
only: ``project``, ``project_replaced``, ``undo_stack``, ``analysis`` (``data_info``,
``data_changed``), ``menu()``, ``add_dock()``, ``inspector``/``problems`` (to tab with),
and offers itself to the other extensions as ``services.provide(TrainingApi, controller)``.
It also installs an event filter that asks before the window closes during training,
so ``confirm_close()`` in ``closeEvent`` is optional (it returns True at once when
nothing is training). Modules: ``session`` + ``worker`` + ``relay`` (the thread and
its messages), ``live`` (numpy buffers), ``plots`` (pyqtgraph views), ``panel`` +
``form`` + ``fields`` + ``editors`` (the form), ``history`` + ``runs``, and ``controller``
with its parts ``run_actions``, ``docks``, ``form_binding`` and ``close_guard``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services
    from designer.training.controller import TrainingController


def install(services: "Services", close_guard: bool = True) -> "TrainingController":
    """Add training to ``services.window`` (menus, toolbar, docks); returns the controller,
    which is also offered to the other extensions as :class:`~designer.services.TrainingApi`.

    ``close_guard=False`` leaves closing to the window, which must then call
    ``controller.confirm_close()`` in its ``closeEvent``.
    """
    from designer.services import TrainingApi
    from designer.training.controller import TrainingController

    controller = TrainingController(services, close_guard=close_guard)
    services.provide(TrainingApi, controller)
    return controller


__all__ = ["install"]
