"""The training plots dock: live tabs redrawn on a timer from a :class:`LiveRun`.

Data arrival and drawing are decoupled: messages only append to the live buffers;
a ``QTimer`` (:data:`REDRAW_HZ`) redraws the visible tab, and a tab redraws only the
parts whose data changed. Hidden tabs cost nothing until they are shown.

The timer's redraws are paced like :mod:`core.train.probes.paced`: a tick is skipped while
the GUI thread has used more than :data:`DRAW_SHARE` of the time since the last drawn tick
(drawing and painting run Python, which holds the GIL the training thread needs; on a busy
2-core machine a paint takes longer, so the plots then redraw less often instead of slowing
training), but the visible tab is redrawn at least every :data:`MAX_DRAW_WAIT` seconds.

A drawn tick redraws the visible tab in chunks of :data:`SETS_PER_CHUNK` plots (the tabs
that draw their curve sets in turn, ``draws_in_turn``): the next chunk follows on a zero-delay
timer, after the event loop has painted the last one and run what waited (input, other
timers), until every changed plot is drawn (at most :data:`MAX_CHUNKS` chunks). A whole tab
redrawn at once, and the paint that followed it, kept the GUI thread busy 25-50 ms on the
2-core machine; one plot at a time keeps each chunk near 10 ms, and the round still ends
within a few tens of milliseconds. A tab change, the log switch and a new run draw the whole
tab at once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QLabel, QStackedWidget, QTabWidget, QVBoxLayout,
                               QWidget)

from core.atomic import write_text_atomic
from core.train.probes.registry import PROBES
from core.train.rundir import metrics_csv_text
from designer.training.live import LiveRun
from designer.training.plots.adversarial import DiscriminatorView, GanSamplesView
from designer.training.plots.neurons import NeuronMapsView
from designer.training.plots.recolor import recolor_item_views, recolor_layout
from designer.training.plots.reconstruction import LatentSpaceView, ReconstructionsView, VaeSamplesView
from designer.training.plots.results import ResultsView
from designer.training.plots.style import scheme
from designer.training.plots.text import AttentionView, EmbeddingMapView
from designer.training.plots.views import (ActivationsView, BoundaryView, FeatureMapsView, LossView,
                                           NormsView, OverviewView)
from designer.training.widgets import ask_save_path, bar_row, button

#: Redraws per second of the visible tab at most (only what changed is redrawn).
REDRAW_HZ = 10
#: The share of the GUI thread's time the timer's redraws keep to (their painting included).
DRAW_SHARE = 0.05
#: The visible tab is redrawn at least this often (seconds), whatever drawing costs.
MAX_DRAW_WAIT = 0.35
#: Plots (curve sets) one chunk of a timer's redraw draws at most (see the module docstring).
SETS_PER_CHUNK = 1
#: Chunks of one timer redraw at most (a set whose data changes meanwhile may come round again).
MAX_CHUNKS = 8
#: What the dock says while it has no run to show.
NO_RUN = ("No run to show yet. Press Train (F5): the loss, the metrics and what each layer does"
          " appear here while the network trains.")
STARTING = "Starting a run: loading the data and building the network…"
#: The tabs a probe can name in its ``views`` (``core.train.probes.PROBES``), by attribute name.
PROBE_VIEWS = {"activations": ActivationsView, "feature_maps": FeatureMapsView, "norms": NormsView,
               "boundary": BoundaryView, "embedding_map": EmbeddingMapView, "attention": AttentionView,
               "neurons": NeuronMapsView, "gan_samples": GanSamplesView,
               "discriminator": DiscriminatorView, "results": ResultsView}
PROBE_VIEWS.update(reconstructions=ReconstructionsView, latent_space=LatentSpaceView,
                   vae_samples=VaeSamplesView)


def theme_drawn_parts(views: list[QWidget]):
    """The views, and the curve sets in their attributes, that mix theme colours into what they
    draw (``theme_drawn``): they draw again after a theme change."""
    for view in views:
        if getattr(view, "theme_drawn", False):
            yield view
        yield from _theme_drawn(vars(view).values())


def _theme_drawn(values):
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from _theme_drawn(value)
        elif isinstance(value, dict):
            yield from _theme_drawn(value.values())
        elif getattr(type(value), "theme_drawn", False) and hasattr(value, "forget_drawn"):
            yield value


class TrainingPlots(QWidget):
    sample_chosen = Signal(int)
    explain_requested = Signal(object, str)  # the Results tab: (run folder, sample id)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPlots")
        self.live = LiveRun()
        self.redraws = 0  # redraws that changed something (the benchmark counts them)
        self.paced_ticks = 0  # timer ticks skipped to keep drawing to DRAW_SHARE
        #: (wall clock, GUI thread CPU clock): replaceable in tests
        self.clocks = (time.perf_counter, time.thread_time)
        self._drawn_at: tuple[float, float] | None = None  # both clocks at the last drawn tick
        self.sample_count = 0
        self._scheme = scheme()  # the colours the views were drawn in
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._make_views()
        self.log_box = QCheckBox("Log scale loss")
        self.log_box.setChecked(True)
        self.log_box.setToolTip("Show the loss on a logarithmic axis")
        self.save_image_button = button("Save image…", "Save the shown tab as a PNG image")
        self.save_csv_button = button("Save metrics CSV…", "Save this run's metrics per epoch as a CSV file")
        self.status = QLabel("")
        self.status.setObjectName("explanation")
        bar = bar_row(self.status, self.log_box, self.save_image_button, self.save_csv_button)
        self.hint = QLabel(NO_RUN, objectName="emptyHint", wordWrap=True,
                           alignment=Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()  # the hint until a run has started, then the tabs
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.tabs)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addLayout(bar)
        box.addWidget(self.stack, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REDRAW_HZ))
        self.timer.timeout.connect(self._on_tick)
        self.timer.start()
        self.chunk_timer = QTimer(self)  # the next chunk of a timer's redraw
        self.chunk_timer.setSingleShot(True)
        self.chunk_timer.setInterval(0)
        self.chunk_timer.timeout.connect(self._draw_chunk)
        self._chunks_left = 0
        self.tabs.currentChanged.connect(lambda _i: self.redraw())
        self.log_box.toggled.connect(self._on_log_toggled)
        self.save_image_button.clicked.connect(self.save_image_dialog)
        self.save_csv_button.clicked.connect(self.save_csv_dialog)
        self._set_tab_visibility()

    def _make_views(self) -> None:
        """The overview and loss tabs, then each registered probe's views in registry order."""
        self.overview = OverviewView()
        self.loss = LossView()
        self._views: list[QWidget] = [self.overview, self.loss]
        for spec in PROBES:
            for name in spec.views:
                view = PROBE_VIEWS[name]()
                setattr(self, name, view)
                self._views.append(view)
        for view in self.views:
            self.tabs.addTab(view, view.title)
        self.feature_maps.sample_chosen.connect(self.sample_chosen)
        self.results.explain_requested.connect(self.explain_requested)

    def restyle(self) -> None:
        """The views in the theme's colours, re-coloured in place (``plots/recolor.py``): data,
        tabs and choices stay. Images mixed from theme colours are drawn again from the live
        run: the visible tab's now, the other tabs' when they are shown (a tab change redraws)."""
        new = scheme()
        if new == self._scheme:
            return
        for canvas in self.findChildren(pg.GraphicsLayoutWidget):
            recolor_layout(canvas, new)
        recolor_item_views(self.findChildren(QAbstractItemView), self._scheme, new)
        self._scheme = new
        for part in theme_drawn_parts(self.views):
            part.forget_drawn()
        self.redraw()

    @property
    def views(self) -> list[QWidget]:
        return list(self._views)

    # ------------------------------------------------------------------ data
    def set_live(self, live: LiveRun, sample_count: int = 0, waiting: str = NO_RUN) -> None:
        """Show another run (a new one starts): every view forgets what it drew and redraws from
        it. Until ``live`` has started, the dock says ``waiting`` instead of showing empty plots."""
        self.live = live
        for view in self.views:
            view.reset()
        if sample_count:  # known once the run started; the chosen sample is kept till then
            self.sample_count = sample_count
            self.feature_maps.set_sample_count(sample_count)
        self.hint.setText(waiting)
        self._show_page()
        self._set_tab_visibility()
        self.redraw()

    def clear(self, waiting: str = NO_RUN) -> None:
        """Show no run (another project is open): the hint ``waiting`` says what to do."""
        self.set_live(LiveRun(), 0, waiting)

    @property
    def has_run(self) -> bool:
        """Whether a run is on show (it has started: it has a folder and counts)."""
        return self.live.versions["progress"] > 0

    def _show_page(self) -> None:
        live = self.live
        self.stack.setCurrentWidget(self.tabs if self.has_run else self.hint)
        self.status.setText(f"Run {live.run_dir.name}" if self.has_run and live.run_dir is not None else "")
        for widget in (self.log_box, self.save_image_button, self.save_csv_button):
            widget.setEnabled(self.has_run)

    def redraw(self, sets: int | None = None) -> bool:
        """Draw what changed in the visible tab: everything, or at most ``sets`` of its plots in
        a tab that draws them in turn (a chunk of the timer's redraw). Whether it drew."""
        if not self.isVisible():
            return False
        if (self.stack.currentWidget() is self.tabs) != self.has_run:
            self._show_page()
        self._set_tab_visibility()
        view = self.tabs.currentWidget()
        if view is None:
            return False
        if sets is not None and getattr(view, "draws_in_turn", False):
            changed = view.update_from(self.live, limit=sets)
        else:
            self._chunks_left = 0  # drawn whole: a timer redraw under way has nothing left to do
            changed = view.update_from(self.live)
        if changed:
            self.redraws += 1
        return changed

    def _on_tick(self) -> None:
        """The timer: redraw unless the GUI thread has been busier than :data:`DRAW_SHARE` since
        the last drawn tick (and that was less than :data:`MAX_DRAW_WAIT` ago)."""
        if not self.isVisible():
            return
        wall, cpu = (clock() for clock in self.clocks)
        if self._drawn_at is not None:
            waited, used = wall - self._drawn_at[0], cpu - self._drawn_at[1]
            if waited < MAX_DRAW_WAIT and used > DRAW_SHARE * waited:
                self.paced_ticks += 1
                return
        self._drawn_at = (wall, cpu)
        self._chunks_left = MAX_CHUNKS
        self._draw_chunk()

    def _draw_chunk(self) -> None:
        """One chunk of a timer redraw; the next one follows while this one drew something."""
        if self._chunks_left <= 0:
            return
        self._chunks_left -= 1
        if self.redraw(sets=SETS_PER_CHUNK) and self._chunks_left > 0:
            self.chunk_timer.start()
        else:
            self._chunks_left = 0

    def redraw_all(self) -> None:
        """Draw every tab now (screenshots, tests)."""
        for view in self.views:
            view.update_from(self.live)

    def _set_tab_visibility(self) -> None:
        """A view with a ``shown(live)`` method has its tab only while that is true. When the
        shown tab goes (the Results of the last run, as a new one starts), the Overview is
        shown, not whichever tab Qt would pick beside it."""
        for view in self.views:
            shown = getattr(view, "shown", None)
            visible = True if shown is None else shown(self.live)
            index = self.tabs.indexOf(view)
            if self.tabs.isTabVisible(index) != visible:
                if not visible and self.tabs.currentWidget() is view:
                    self.tabs.setCurrentWidget(self.overview)
                self.tabs.setTabVisible(index, visible)

    def show_results(self) -> None:
        self._set_tab_visibility()
        if self.live.report is not None:
            self.tabs.setCurrentWidget(self.results)
            self.results.update_from(self.live)

    def _on_log_toggled(self, log: bool) -> None:
        self.overview.set_log(log)
        self.loss.set_log(log)
        self.redraw()

    # ------------------------------------------------------------------ saving
    def save_image(self, path: str | Path) -> None:
        self.tabs.currentWidget().save_png(path)

    def save_csv(self, path: str | Path) -> None:
        write_text_atomic(Path(path), metrics_csv_text(self.live.rows))

    def save_image_dialog(self) -> None:
        name = self.tabs.tabText(self.tabs.currentIndex()).replace("&&", "and").replace(" ", "_").lower()
        path = ask_save_path(self, "Save the plot as an image", f"{name}.png")
        if path:
            self.save_image(path)

    def save_csv_dialog(self) -> None:
        path = ask_save_path(self, "Save the metrics as CSV", "metrics.csv")
        if path:
            self.save_csv(path)
