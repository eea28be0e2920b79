"""Training in the window: the panel, the plots and the run history, wired to a session.

:class:`TrainingController` is what :func:`designer.training.install` returns. It
uses only the window's public API (``project``, ``project_replaced``, ``undo_stack``,
``analysis``, ``menu()``, ``add_dock()``), and works with a plain ``QMainWindow``
that has a ``project`` and an ``undo_stack`` (the others are optional).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMessageBox, QWidget

from core.errors import TrainingError
from core.train.rundir import data_label, default_run_dir
from designer import settings
from designer.devices import DeviceFinder
from designer.lazy_panel import LazyPanel
from designer.scrolling import scrolling
from designer.training import fields as F
from designer.training.commands import SetTraining
from designer.training.panel import READY, TrainingPanel
from designer.training.session import IDLE, LOADING, PAUSED, RUNNING, TrainingSession

#: How long closing the window waits for the run to stop and save.
CLOSE_TIMEOUT_S = 120.0
#: Device detection imports torch in a child process, which takes a core for seconds: it
#: starts this long after the window is up, not while the window is being built.
DETECT_DEVICES_AFTER_MS = 2000


NO_DATA = ("The project has no data yet: load a CSV file or an image folder (Data menu), or"
           " choose a built-in dataset, then train.")


class TrainingController(QObject):
    def __init__(self, window: QMainWindow, close_guard: bool = True) -> None:
        super().__init__(window)
        self.window = window
        self.session = TrainingSession(self)
        self.panel = TrainingPanel()
        self.plots_panel = LazyPanel(self._make_plots)
        self.history_panel = LazyPanel(self._make_history)
        self.project = None
        self._run_from_project = None  # the project a running run was started from
        self._run_shown = False  # the panel and plots show a run (else their empty state)
        self.devices: list[tuple[str, str]] = [("auto", "auto"), ("cpu", "CPU")]
        self._make_actions()
        self._make_docks()
        self._connect()
        self.device_finder = DeviceFinder(self)
        self.device_finder.found.connect(self._on_devices_found)
        QTimer.singleShot(DETECT_DEVICES_AFTER_MS, self, self._detect_devices)
        if close_guard:
            window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)
        from designer import theme

        theme.notifier().theme_changed.connect(self._on_theme_changed)
        self.set_project(getattr(window, "project", None))

    # ------------------------------------------------------------------ building
    def _make_actions(self) -> None:
        def action(text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
            act = QAction(text, self.window)
            if icon is not None:
                act.setIcon(icon)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(tip or text)
            act.setStatusTip(tip or text)
            act.triggered.connect(slot)
            return act

        self.train_action = action("&Train", self.train, "F5", "Train the network on the project's data")
        self.pause_action = action("&Pause", self.pause, "F6", "Pause after the current batch")
        self.resume_action = action("&Resume", self.resume, "F7", "Go on training")
        self.stop_action = action("&Stop", self.stop, "Shift+F5", "Stop; the run keeps its last epoch")
        self.continue_action = action("&Continue Selected Run…", lambda: self.history.continue_selected(),
                                      None, "Go on training the run selected in the Runs panel")
        self.run_actions = [self.train_action, self.pause_action, self.resume_action, self.stop_action]
        self._set_action_icons()

    def _set_action_icons(self) -> None:
        """The run actions' icons in the theme's text colour (again when the theme changes)."""
        from designer.icons import themed_icon

        for act, name in zip(self.run_actions, ("play", "pause", "resume", "stop")):
            act.setIcon(themed_icon(name))

    def _make_docks(self) -> None:
        window = self.window
        menu = window.menu("Train") if hasattr(window, "menu") else window.menuBar().addMenu("&Train")
        menu.addActions(self.run_actions)
        menu.addSeparator()
        menu.addAction(self.continue_action)
        self.menu = menu
        self.toolbar = window.addToolBar("Training")
        self.toolbar.setObjectName("trainingToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # icons alone were missed
        self.toolbar.addActions(self.run_actions)
        right = _dock_of(getattr(window, "inspector", None))
        bottom = _dock_of(getattr(window, "problems", None))
        self.panel_dock = self._add_dock(self.panel, Qt.DockWidgetArea.RightDockWidgetArea, "Training", right)
        self.plots_dock = self._add_dock(self.plots_panel, Qt.DockWidgetArea.BottomDockWidgetArea, "Training plots",
                                         bottom)
        self.history_dock = self._add_dock(self.history_panel, Qt.DockWidgetArea.BottomDockWidgetArea, "Runs",
                                           self.plots_dock)
        for front in (right, bottom):  # the window's own panels stay in front of their tabs
            if front is not None:
                front.raise_()
        self.plots_panel.make_when_shown(self.plots_dock)
        self.history_panel.make_when_shown(self.history_dock)
        menu.addSeparator()
        for dock in (self.panel_dock, self.plots_dock, self.history_dock):
            menu.addAction(dock.toggleViewAction())

    def _add_dock(self, widget: QWidget, area, title: str, tabify_with: QDockWidget | None) -> QDockWidget:
        window = self.window
        widget = scrolling(widget, sideways=area != Qt.DockWidgetArea.RightDockWidgetArea)
        if hasattr(window, "add_dock"):
            return window.add_dock(widget, area, title, tabify_with=tabify_with)
        dock = QDockWidget(title, window)
        dock.setObjectName("dock" + title.replace(" ", ""))
        dock.setWidget(widget)
        window.addDockWidget(area, dock)
        if tabify_with is not None:
            window.tabifyDockWidget(tabify_with, dock)
        return dock

    def _connect(self) -> None:
        s, p = self.session, self.panel
        p.train_button.clicked.connect(self.train)
        p.pause_button.clicked.connect(self.pause)
        p.resume_button.clicked.connect(self.resume)
        p.stop_button.clicked.connect(self.stop)
        p.form.edited.connect(self._on_form_edited)
        s.state_changed.connect(self._on_state_changed)
        s.loading.connect(p.on_loading)
        s.started.connect(self._on_started)
        s.progressed.connect(p.on_progress)
        s.settings_changed.connect(self._on_settings_changed)
        s.failed.connect(self._on_failed)
        s.finished.connect(self._on_finished)
        replaced = getattr(self.window, "project_replaced", None)
        if replaced is not None:
            replaced.connect(self.set_project)
        analysis = getattr(self.window, "analysis", None)
        if analysis is not None and hasattr(analysis, "data_changed"):
            analysis.data_changed.connect(self._show_project)
            analysis.analysis_changed.connect(self._update_enabled)
        stack = getattr(self.window, "undo_stack", None)
        if stack is not None:
            stack.indexChanged.connect(self._on_project_edited)
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
        analysis = getattr(self.window, "analysis", None)
        return getattr(analysis, "data_info", None)

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

    def _show_project(self) -> None:
        project = self.project
        base = str(project.directory) if project is not None and project.path else ""
        self.panel.form.show_training(project.training if project is not None else {}, self.info, base)
        self.panel.form.set_devices(self.devices)
        if self.session.state == PAUSED:
            self.panel.form.show_live_settings(self.session.settings)
        self._update_enabled()

    def _detect_devices(self) -> None:
        """Start device detection, unless a run is just starting: its worker is importing
        torch, after which detection needs no child process (see ``designer.devices``)."""
        if self.session.active and "torch" not in sys.modules:
            QTimer.singleShot(500, self, self._detect_devices)
            return
        self.device_finder.start()

    def _on_devices_found(self, devices: list) -> None:
        self.devices = [tuple(d) for d in devices]
        self.panel.form.set_devices(self.devices)

    def _on_form_edited(self, key: str, value: Any) -> None:
        project, state = self.project, self.session.state
        if project is None:
            return
        if state == PAUSED and key in F.LIVE_KEYS:
            try:
                self.session.update_optimizer(**{key: value})
            except TrainingError as err:
                self.panel.form.set_field_error(key, str(err))
                return
            self.panel.form.set_field_error(key, None)
            title = self.panel.form.rows[key].spec.title
            self.panel.status.setText(f"{title} changed to {value}: Resume to go on with it.")
            if project is not self._run_from_project:
                return  # a continued run: the project keeps its own settings
        elif state != IDLE:
            return
        training = F.edited(project.training, key, value, self.info)
        if training == project.training:
            return
        self._push(SetTraining(project, training, key))

    def _push(self, command) -> None:
        stack = getattr(self.window, "undo_stack", None)
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
        self._run_from_project = project
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
        self._run_from_project = None
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
        for dock in (self.plots_dock, self.panel_dock):
            dock.show()
            dock.raise_()
        if self.plots_dock.height() < self.window.height() * 0.5:
            self.window.resizeDocks([self.plots_dock], [int(self.window.height() * 0.55)],
                                    Qt.Orientation.Vertical)

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
        analysis = getattr(self.window, "analysis", None)
        finder = getattr(analysis, "blocking_problem", None)
        return finder() if finder is not None else None

    def _update_enabled(self, *_args) -> None:
        state = self.session.state
        blocked = self.blocking_problem() if self.project is not None else None
        can_train = self.project is not None and blocked is None
        self.panel.set_state(state, can_train)
        if state == IDLE and not self._run_shown and self.panel.message_about != "run":
            self.panel.status.setText(self._ready_text())
        if state == IDLE and self.panel.message_about == "project":  # kept up to date, or gone
            self.panel.show_message(blocked_text(blocked) if blocked else None, about="project")
        tip = blocked_text(blocked) if blocked else "Train the network on the project's data (F5)"
        self.train_action.setToolTip(tip)
        self.train_action.setStatusTip(tip)
        self.panel.train_button.setToolTip(tip)
        self.train_action.setEnabled(state == IDLE and can_train)
        self.pause_action.setEnabled(state in (LOADING, RUNNING))
        self.resume_action.setEnabled(state == PAUSED)
        self.stop_action.setEnabled(state in (LOADING, RUNNING, PAUSED))

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
        status = getattr(self.window, "statusBar", None)
        if status is not None:
            self.window.statusBar().showMessage("Training could not go on: " + message, 10000)

    def _on_finished(self, result) -> None:
        self.panel.on_finished(result)
        self._run_from_project = None
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
        if result is not None and hasattr(self.window, "statusBar"):
            self.window.statusBar().showMessage(self.panel.status.text(), 10000)

    def _on_theme_changed(self, _theme=None) -> None:
        """Colours copied into the panel and the plots are set again (the data stays)."""
        self.panel.apply_style()
        self._set_action_icons()
        if self.plots_panel.built:
            self.plots.restyle()
        if self.history_panel.built:
            self.history.restyle()
        self._show_project()

    # ------------------------------------------------------------------ closing
    def confirm_close(self) -> bool:
        """Ask before closing during training; stop the run cleanly (saved as ``stopped``).

        Returns False when the person keeps the window open. The main window calls this
        first in its ``closeEvent`` (the event filter does it otherwise).
        """
        if not self.session.active:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                          "Stop training and close?", parent=self.window)
        box.setInformativeText("The run keeps its last completed epoch (status stopped) and can be"
                               " continued later from the Runs panel.")
        stop = box.addButton("Stop and Close", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not stop:
            return False
        return self.stop_and_wait()

    def stop_and_wait(self, timeout_s: float = CLOSE_TIMEOUT_S) -> bool:
        """Stop the run and wait until it is saved (no question asked)."""
        self.panel.status.setText("Stopping and saving the run…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return self.session.stop_and_wait(timeout_s)
        finally:
            QApplication.restoreOverrideCursor()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self.session.active:
            if not self.confirm_close():
                event.ignore()
                return True
        return False

    def _on_quit(self) -> None:
        if self.session.active:
            self.session.stop_and_wait(CLOSE_TIMEOUT_S)


def blocked_text(blocked: str) -> str:
    """The sentence for why training is refused (no data is its own whole sentence)."""
    return blocked if blocked == NO_DATA else f"Cannot train yet: {blocked}"


def device_override(project) -> dict:
    """The preferred device (Edit ▸ Preferences) for a project whose device is ``auto``."""
    preferred = settings.default_device()
    if (project.training or {}).get("device", "auto") == "auto" and preferred != "auto":
        return {"device": preferred}
    return {}


def _dock_of(widget: QWidget | None) -> QDockWidget | None:
    """The dock a panel sits in (to tabify ours with it)."""
    parent = widget.parentWidget() if widget is not None else None
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    return parent
