"""Training in the window: the panel, the plots and the run history, wired to a session.

:class:`TrainingController` is what :func:`designer.training.install` returns: it starts,
continues and controls runs and keeps every part showing the project and run it names.
Its parts each have one job: :class:`~designer.training.run_actions.RunActions` (the menu
and toolbar actions), :class:`~designer.training.docks.TrainingDocks` (where the panel,
plots and runs show), :class:`~designer.training.form_binding.TrainingFormBinding` (the
form and the project's settings) and :class:`~designer.training.close_guard.CloseGuard`
(closing while a run goes on). It uses only what :class:`designer.services.Services` gives
(``project``, ``project_replaced``, ``undo_stack``, ``analysis``, ``menu()``, ``add_dock()``),
and works with a plain ``QMainWindow`` whose ``Services`` has a ``project`` and an
``undo_stack`` (the others are optional).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core.train.rundir import data_label, default_run_dir
from designer import settings
from designer.lazy_panel import LazyPanel
from designer.training.close_guard import CLOSE_TIMEOUT_S, CloseGuard
from designer.training.docks import TrainingDocks
from designer.training.form_binding import TrainingFormBinding
from designer.training.panel import READY, TrainingPanel
from designer.training.run_actions import RunActions
from designer.training.session import IDLE, PAUSED, TrainingSession

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

__all__ = ["CLOSE_TIMEOUT_S", "NO_DATA", "TrainingController", "blocked_text", "device_override"]

NO_DATA = ("The project has no data yet: load a CSV file or an image folder (Data menu), or"
           " choose a built-in dataset, then train.")


class TrainingController(QObject):
    def __init__(self, services: "Services", close_guard: bool = True) -> None:
        super().__init__(services.window)
        self.services = services
        self.window = window = services.window
        self.session = TrainingSession(self)
        self.panel = TrainingPanel()
        self.plots_panel = LazyPanel(self._make_plots)
        self.history_panel = LazyPanel(self._make_history)
        self.project = None
        self._run_shown = False  # the panel and plots show a run (else their empty state)
        self.actions = RunActions(window, train=self.train, pause=self.pause, resume=self.resume,
                                  stop=self.stop, continue_selected=lambda: self.history.continue_selected())
        self.docks = TrainingDocks(services, self.actions, self.panel, self.plots_panel, self.history_panel)
        self.plots_panel.make_when_shown(self.plots_dock)
        self.history_panel.make_when_shown(self.history_dock)
        self.binding = TrainingFormBinding(self.panel, self.session, self._push, self)
        self.guard = CloseGuard(window, self.session, self.panel.status, watch=close_guard)
        self._connect()
        from designer import theme

        theme.notifier().theme_changed.connect(self._on_theme_changed)
        self.set_project(services.project())

    # The parts' objects under the names the rest of the designer and the tests use.
    train_action = property(lambda self: self.actions.train_action)
    pause_action = property(lambda self: self.actions.pause_action)
    resume_action = property(lambda self: self.actions.resume_action)
    stop_action = property(lambda self: self.actions.stop_action)
    continue_action = property(lambda self: self.actions.continue_action)
    run_actions = property(lambda self: self.actions.run_actions)
    menu = property(lambda self: self.docks.menu)
    toolbar = property(lambda self: self.docks.toolbar)
    panel_dock = property(lambda self: self.docks.panel_dock)
    plots_dock = property(lambda self: self.docks.plots_dock)
    history_dock = property(lambda self: self.docks.history_dock)
    devices = property(lambda self: self.binding.devices)
    device_finder = property(lambda self: self.binding.device_finder)

    def _connect(self) -> None:
        s, p = self.session, self.panel
        p.train_button.clicked.connect(self.train)
        p.pause_button.clicked.connect(self.pause)
        p.resume_button.clicked.connect(self.resume)
        p.stop_button.clicked.connect(self.stop)
        s.state_changed.connect(self._on_state_changed)
        s.loading.connect(p.on_loading)
        s.started.connect(self._on_started)
        s.progressed.connect(p.on_progress)
        s.settings_changed.connect(self._on_settings_changed)
        s.failed.connect(self._on_failed)
        s.finished.connect(self._on_finished)
        services = self.services
        if services.project_replaced is not None:
            services.project_replaced.connect(self.set_project)
        if services.analysis is not None:
            services.analysis.data_changed.connect(self._show_project)
            services.analysis.analysis_changed.connect(self._update_enabled)
        if services.undo_stack is not None:
            services.undo_stack.indexChanged.connect(self._on_project_edited)
        self._on_state_changed(IDLE)

    # ------------------------------------------------------------------ the lazy docks
    @property
    def plots(self):
        """The training plots (:class:`TrainingPlots`), made on first use."""
        return self.plots_panel.widget()

    @property
    def history(self):
        """The run history (:class:`RunHistory`), made on first use."""
        return self.history_panel.widget()

    def _make_plots(self):
        from designer.training.plots import TrainingPlots

        plots = TrainingPlots()
        plots.sample_chosen.connect(self.session.set_sample_index)
        plots.explain_requested.connect(self._explain)
        if self.session.active or self._run_shown:
            plots.set_live(self.session.live, self.session.probe_samples)
        return plots

    def _make_history(self):
        from designer.training.history import RunHistory

        history = RunHistory()
        history.continue_requested.connect(self.continue_run)
        self._show_runs_of_project(history)
        self._show_live_run(history)
        return history

    # ------------------------------------------------------------------ the project
    @property
    def info(self):
        """The project's data facts (task, classes) as the window's analysis knows them."""
        analysis = self.services.analysis
        return analysis.data_info if analysis is not None else None

    def set_project(self, project) -> None:
        """Show ``project`` (New, Open): its settings and runs; while no run is going on, nothing
        of an earlier project's run stays on screen (a running one keeps its progress)."""
        if self.project is not None:
            self.project.training_changed.disconnect(self._show_project)
        self.project = project
        if project is not None:
            project.training_changed.connect(self._show_project)
        if not self.session.active:
            self._show_no_run()
        self._show_project()
        if self.history_panel.built:
            self._show_runs_of_project(self.history)

    def _show_no_run(self) -> None:
        """The panel and the plots in their empty state, saying what to do."""
        self._run_shown = False
        self.panel.clear_run(self._ready_text())
        self.panel.show_message(None)
        if self.plots_panel.built:
            self.plots.clear()

    def _ready_text(self) -> str:
        """What the panel says while it shows no run: how to start one, or what stops it."""
        blocked = self.blocking_problem() if self.project is not None else None
        if blocked == NO_DATA:
            return NO_DATA
        if blocked:
            return "Not ready to train: fix the first problem in the Problems panel."
        return READY

    def _on_project_edited(self, *_args) -> None:
        """An edit or an undo: a message about a run (it failed, a bug) no longer fits the project."""
        if not self.session.active and self.panel.message_about == "run":
            self.panel.show_message(None)
            self._update_enabled()

    def _show_runs_of_project(self, history) -> None:
        history.set_folder(self.runs_folder(), self.project.name if self.project is not None else None)

    def runs_folder(self) -> Path | None:
        """Where this project's runs go: the preference, else ``runs/`` beside its file, else (not
        saved, or a shipped example) the user's runs folder (``designer.settings.runs_folder_for``)."""
        if self.project is None:
            return None
        return settings.runs_folder_for(self.project.path.parent if self.project.path else None)

    def selected_run_dirs(self) -> list[Path]:
        """The run folders selected in the Runs panel (none while the panel was never made)."""
        return [run.path for run in self.history.selected_runs()] if self.history_panel.built else []

    def _explain(self, run_dir: Path, sample: str) -> None:
        """The Results tab asked to explain a sample: the explain part opens it, when installed."""
        from designer.services import ExplainApi

        explain = self.services.provided(ExplainApi)
        if explain is not None:
            explain(run_dir=run_dir, sample=sample)

    def _show_project(self) -> None:
        self.binding.show(self.project, self.info)
        self._update_enabled()

    def _push(self, command) -> None:
        stack = self.services.undo_stack
        if stack is not None:
            stack.push(command)
        else:
            command.redo()

    # ------------------------------------------------------------------ controlling
    def train(self) -> bool:
        """Start a new run of the current project (the Train button)."""
        project = self.project
        if project is None or self.session.active:
            return False
        blocked = self.blocking_problem()
        if blocked:
            self.panel.show_message(blocked_text(blocked), about="project")
            return False
        run_dir = default_run_dir(None, project.name, fallback=self.runs_folder(),
                                  data_label=data_label(project.data))
        self.binding.run_project = project
        self.session.start(project, run_dir=run_dir, overrides=device_override(project))
        self._show_starting_run()
        return True

    def continue_run(self, run_dir: Path, epochs: int | None = None) -> bool:
        """Go on with an earlier run from its checkpoint (``epochs``: the new total)."""
        if self.session.active:
            return False
        overrides = {"epochs": int(epochs)} if epochs else {}
        summary = next((r for r in self.history.runs if r.path == Path(run_dir)), None)
        if summary is not None and epochs is not None and epochs == summary.epochs:
            overrides = {}
        self.binding.run_project = None
        self.session.continue_run(Path(run_dir), overrides=overrides)
        self._show_starting_run()
        return True

    def _show_starting_run(self) -> None:
        """A run is loading: the panel and the plots drop the last run and wait for this one."""
        from designer.training.plots import STARTING

        self._run_shown = True
        self.panel.show_message(None)
        self.panel.clear_run(self.panel.status.text())  # the state's text: "Loading the data…"
        self.show_plots()
        self.plots.set_live(self.session.live, waiting=STARTING)

    def pause(self) -> None:
        self.session.pause()

    def resume(self) -> None:
        self.session.resume()

    def stop(self) -> None:
        self.session.stop()

    def show_plots(self) -> None:
        """Bring the plots and the panel to the front (a run starts)."""
        self.docks.show_plots()

    # ------------------------------------------------------------------ session events
    def _on_state_changed(self, state: str) -> None:
        self._update_enabled()
        if self.history_panel.built:
            self._show_live_run(self.history)

    def _show_live_run(self, history) -> None:
        """Mark the run being trained (none while idle) in the run history."""
        history.set_live_dir(self.session.run_dir if self.session.state != IDLE else None)

    def blocking_problem(self) -> str | None:
        """Why the project cannot train now (no data, or the Problems panel's first error)."""
        if self.project is not None and not self.project.data:
            return NO_DATA
        analysis = self.services.analysis
        return analysis.blocking_problem() if analysis is not None else None

    def _update_enabled(self, *_args) -> None:
        state = self.session.state
        blocked = self.blocking_problem() if self.project is not None else None
        can_train = self.project is not None and blocked is None
        self.panel.set_state(state, can_train)
        if state == IDLE and not self._run_shown and self.panel.message_about != "run":
            self.panel.status.setText(self._ready_text())
        if state == IDLE and self.panel.message_about == "project":  # kept up to date, or gone
            self.panel.show_message(blocked_text(blocked) if blocked else None, about="project")
        self.actions.update(state, can_train, blocked_text(blocked) if blocked else None)
        self.panel.train_button.setToolTip(self.train_action.toolTip())

    def _on_started(self, item) -> None:
        self.panel.on_started(item)
        self.plots.set_live(self.session.live, item.probe_samples)
        if self.history_panel.built:
            self.history.set_live_dir(item.run_dir)
            self.history.refresh()

    def _on_settings_changed(self, settings_: dict) -> None:
        if self.session.state == PAUSED:
            self.panel.form.show_live_settings(settings_)

    def _on_failed(self, message: str) -> None:
        self.panel.show_message(message)
        self.services.status_bar.showMessage("Training could not go on: " + message, 10000)

    def _on_finished(self, result) -> None:
        self.panel.on_finished(result)
        self.binding.run_project = None
        if result is None:  # nothing ran (a failure says why; a stop while loading is quiet)
            self._run_shown = False
            self.plots.clear()
        self._show_project()  # the form shows the project's values again
        if self.history_panel.built:
            self.history.set_live_dir(None)
            self.history.refresh()
        self.plots.redraw()
        if result is not None and self.session.live.report is not None and result.status != "failed":
            self.plots.show_results()
        if result is not None:
            self.services.status_bar.showMessage(self.panel.status.text(), 10000)

    def _on_theme_changed(self, _theme=None) -> None:
        """Colours copied into the panel and the plots are set again (the data stays)."""
        self.panel.apply_style()
        self.actions.restyle()
        if self.plots_panel.built:
            self.plots.restyle()
        if self.history_panel.built:
            self.history.restyle()
        self._show_project()

    # ------------------------------------------------------------------ closing
    def confirm_close(self) -> bool:
        """Ask before closing during training (see :class:`CloseGuard`); False keeps the window."""
        return self.guard.confirm_close()

    def stop_and_wait(self, timeout_s: float = CLOSE_TIMEOUT_S) -> bool:
        """Stop the run and wait until it is saved (no question asked)."""
        return self.guard.stop_and_wait(timeout_s)


def blocked_text(blocked: str) -> str:
    """The sentence for why training is refused (no data is its own whole sentence)."""
    return blocked if blocked == NO_DATA else f"Cannot train yet: {blocked}"


def device_override(project) -> dict:
    """The preferred device (Edit ▸ Preferences) for a project whose device is ``auto``."""
    preferred = settings.default_device()
    if (project.training or {}).get("device", "auto") == "auto" and preferred != "auto":
        return {"device": preferred}
    return {}
