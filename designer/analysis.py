"""Live shape inference for the window: one cached checker, data shapes off the GUI thread.

:class:`AnalysisService` re-checks the current graph after every edit with one
:class:`core.shapes.ShapeInference` (its per-node cache makes a re-check after a
parameter change cost only the nodes downstream of it). Edits that arrive together
(a paste of twenty layers) are checked once, on the next turn of the event loop;
``refresh_now()`` checks at once.

The data's shapes (what the Input receives, what the Output must give) come from
``core.check.data_shapes_of``, which may read a CSV file or scan an image folder,
so they are worked out in a background thread when the project is opened or its
``data`` or ``training`` section changes, never on a graph edit. Until they are
known, ``analysis`` is ``None`` and the views show ``?`` shapes.

Signals: ``analysis_changed(analysis)`` after every check (``None`` while waiting
for the data); ``data_changed()`` when the data's shapes, facts or problem change.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from core.project import Project
from core.shapes import ERROR, Analysis, DataShapes, Problem, ShapeInference


class AnalysisService(QObject):
    analysis_changed = Signal(object)
    data_changed = Signal()
    _data_ready = Signal(int, object)  # from the worker thread: (generation, result)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.inference = ShapeInference()
        self.project: Project | None = None
        self.analysis: Analysis | None = None
        self.data_shapes: DataShapes | None = None
        self.data_info = None
        self.data_problem: str | None = None
        #: Settings, init_from and memory problems (``core.check.readiness_problems``).
        self.readiness: list[Problem] = []
        self._generation = 0
        self._executor: ThreadPoolExecutor | None = None
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.refresh_now)
        self._data_ready.connect(self._on_data_ready)

    # ------------------------------------------------------------------ binding
    def set_project(self, project: Project | None) -> None:
        if self.project is not None:
            self.project.graph.changed.disconnect(self._on_graph_changed)
            self.project.data_changed.disconnect(self._on_data_section_changed)
            self.project.training_changed.disconnect(self._on_data_section_changed)
        self.project = project
        self.analysis = None
        if project is not None:
            project.graph.changed.connect(self._on_graph_changed)
            project.data_changed.connect(self._on_data_section_changed)
            project.training_changed.connect(self._on_data_section_changed)
        self._describe_data()

    @property
    def waiting_for_data(self) -> bool:
        return self.project is not None and self.data_shapes is None

    @property
    def problems(self) -> list[Problem]:
        """What ``layerforge check`` lists: the data's problem, the settings', the graph's."""
        extra = [Problem(self.data_problem)] if self.data_problem else []
        return extra + self.readiness + (self.analysis.problems if self.analysis else [])

    def blocking_problem(self) -> str | None:
        """The first error that keeps the project from training (Train's tooltip), if any."""
        errors = [p for p in self.problems if p.severity == ERROR]
        if not errors:
            return None
        more = f" (and {len(errors) - 1} more in the Problems panel)" if len(errors) > 1 else ""
        return errors[0].message + more

    # ------------------------------------------------------------------ checking the graph
    def _on_graph_changed(self) -> None:
        if self.data_shapes is not None:
            self._timer.start()

    def refresh_now(self) -> Analysis | None:
        """Check the graph now (if its data shapes are known) and tell the views."""
        self._timer.stop()
        if self.project is None or self.data_shapes is None:
            self.analysis, self.readiness = None, []
        else:
            from core.check import readiness_problems

            self.analysis = self.inference.analyze(self.project.graph, self.data_shapes)
            self.readiness = readiness_problems(self.project, self.data_info, self.analysis)
        self.analysis_changed.emit(self.analysis)
        return self.analysis

    # ------------------------------------------------------------------ the data's shapes
    def _on_data_section_changed(self) -> None:
        self._describe_data()

    def _describe_data(self) -> None:
        self._generation += 1
        project = self.project
        self.data_shapes, self.data_info, self.data_problem = None, None, None
        if project is None:
            self.data_changed.emit()
            self.refresh_now()
            return
        if project.data is None:  # nothing to read: known at once
            self.data_shapes = DataShapes()
            self.data_changed.emit()
            self.refresh_now()
            return
        self.data_changed.emit()
        self.refresh_now()  # shows "?" until the worker answers
        snapshot = Project(project.name, data=copy.deepcopy(project.data),
                           training=copy.deepcopy(project.training), path=project.path)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-shapes")
        generation = self._generation
        self._executor.submit(self._describe_in_worker, generation, snapshot)

    def _describe_in_worker(self, generation: int, snapshot: Project) -> None:
        from core.check import data_shapes_of

        try:
            result = data_shapes_of(snapshot)
        except Exception as err:  # a loader bug must not leave the window waiting forever
            result = (DataShapes(), None, f"the data could not be described ({type(err).__name__}:"
                                          f" {err}); this is a bug in LayerForge, please report it")
        self._data_ready.emit(generation, result)

    def _on_data_ready(self, generation: int, result) -> None:
        if generation != self._generation:
            return  # an older request: the project or its data changed since
        self.data_shapes, self.data_info, self.data_problem = result
        self.data_changed.emit()
        self.refresh_now()

    def wait_for_data(self, timeout_s: float = 10.0) -> bool:
        """Block until the data shapes are known (scripts and benchmarks; not for the GUI)."""
        import time

        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout_s
        while self.waiting_for_data and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.001)
        return not self.waiting_for_data

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

