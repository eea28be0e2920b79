"""Run history: every run of the project with its settings and results; several selected
runs overlay their loss and metric curves. A stopped, failed or killed run continues
from its checkpoint (a completed one with more epochs).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QUrl, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QInputDialog, QLabel, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.atomic import write_text_atomic
from designer.data.signals import emit
from designer.training.fields import metric_title
from designer.training.plots.recolor import recolor_layout
from designer.training.plots.style import add_plot, curve, layout_widget, scheme, series_color, set_title
from designer.training.plots.views import export_png
from designer.training.runs import INTERRUPTED, RunSummary, combined_csv, list_runs, read_metrics
from designer.training.widgets import ask_save_path, bar_row, button, read_only_table



def status_color(status: str) -> str:
    colors = scheme()
    return {"completed": colors.ok, "stopped": colors.warning, "failed": colors.error,
            INTERRUPTED: colors.validation, "running": colors.train}.get(status, colors.text)

def runs_title(shown: int, hidden: int, folder: Path | None) -> str:
    """``2 runs in /x/runs · 3 runs of other projects are hidden: show them`` (a link that ticks
    All projects)."""
    text = escape(f"{shown} run{'' if shown == 1 else 's'} in {folder if folder else 'no folder'}")
    if hidden:
        text += (f" · {hidden} run{'' if hidden == 1 else 's'} of other projects"
                 f" {'is' if hidden == 1 else 'are'} hidden: <a href='all'>show them</a>")
    return text


COLUMNS = ("Run", "Status", "Started", "Epochs", "Best result", "Settings", "Device", "Time")
#: The loss plot's title with runs to compare, and without (what to do).
LOSS_TITLE = "Loss (validation solid, train dashed)"
NOTHING_SELECTED = "Select runs in the table to compare their curves"


class RunHistory(QWidget):
    continue_requested = Signal(object, int)  # run folder, total epochs

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runHistory")
        self.folder: Path | None = None
        self.project_name: str | None = None
        self.live_dir: Path | None = None
        self.runs: list[RunSummary] = []
        self.title = QLabel("", objectName="explanation")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.linkActivated.connect(lambda _link: self.all_box.setChecked(True))
        self.all_box = QCheckBox("All projects")
        self.all_box.setToolTip("Also list runs of other projects saved in the same folder")
        self.refresh_button = button("Refresh", "Read the runs folder again")
        self.continue_button = button("Continue…", "Go on training the selected run from its last checkpoint")
        self.open_button = button("Open folder", "Show the selected run's folder")
        self.csv_button = button("Save CSV…", "Save the selected runs' metrics in one CSV file")
        self.image_button = button("Save image…", "Save the comparison plot as a PNG image")
        bar = bar_row(self.title, self.all_box, self.refresh_button, self.continue_button, self.open_button,
                      self.csv_button, self.image_button)
        self.table = read_only_table(COLUMNS, "extended")
        self.metric_box = QComboBox()
        self.metric_box.setMinimumContentsLength(10)
        self.metric_box.setToolTip("The metric compared in the right plot")
        self._make_plots()
        compare = QWidget()
        compare_box = QVBoxLayout(compare)
        compare_box.setContentsMargins(0, 0, 0, 0)
        metric_row = QHBoxLayout()
        metric_row.setContentsMargins(6, 0, 6, 0)
        metric_row.addStretch(1)
        metric_row.addWidget(QLabel("Compare"))
        metric_row.addWidget(self.metric_box)
        compare_box.addLayout(metric_row)
        compare_box.addWidget(self.plots, 1)
        self.compare_box = compare_box
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(compare)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 480])
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(bar)
        box.addWidget(splitter, 1)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.all_box.toggled.connect(lambda _on: self.refresh())
        self.continue_button.clicked.connect(lambda: self.continue_selected())
        self.open_button.clicked.connect(self._open_folder)
        self.csv_button.clicked.connect(self._save_csv_dialog)
        self.image_button.clicked.connect(self._save_image_dialog)
        self.metric_box.currentIndexChanged.connect(lambda _i: self._draw())
        self._update_buttons()

    curves: list[tuple[pg.PlotItem, pg.PlotDataItem]]

    def _make_plots(self) -> None:
        self.plots = layout_widget()
        self.loss_plot = add_plot(self.plots, 0, 0, NOTHING_SELECTED, "epoch")
        self.loss_plot.setLogMode(x=False, y=True)
        self.metric_plot = add_plot(self.plots, 0, 1, "Metric", "epoch")
        for column, share in ((0, 3), (1, 2)):  # the loss three fifths of the width, the metric two
            self.plots.ci.layout.setColumnStretchFactor(column, share)
        self.curves = []

    def restyle(self) -> None:
        """The comparison plots re-coloured in place, the status colours again, in the theme's colours."""
        recolor_layout(self.plots)
        self.refresh()

    # ------------------------------------------------------------------ listing
    def set_folder(self, folder: Path | None, project_name: str | None) -> None:
        self.folder, self.project_name = folder, project_name
        self.refresh()

    def set_live_dir(self, run_dir: Path | None) -> None:
        """The run training now (listed as running, not interrupted)."""
        self.live_dir = run_dir

    def refresh(self) -> None:
        selected = {r.path for r in self.selected_runs()}
        every = list_runs(self.folder, None, self.live_dir) if self.folder else []
        name = None if self.all_box.isChecked() else self.project_name
        self.runs = [run for run in every if name is None or run.project_name == name]
        self.title.setText(runs_title(len(self.runs), len(every) - len(self.runs), self.folder))
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            cells = (run.name, run.status, run.started.replace("T", " ")[:19],
                     f"{run.epochs_completed} / {run.epochs}", run.result_text(), run.settings_text(),
                     run.device, f"{run.seconds:.1f} s")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setForeground(QBrush(QColor(status_color(run.status))))
                    if run.reason:
                        item.setToolTip(run.reason)
                self.table.setItem(row, col, item)
            if run.path in selected:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._on_selection_changed()

    def selected_runs(self) -> list[RunSummary]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.runs[r] for r in rows if r < len(self.runs)]

    def select_runs(self, names: list[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QTableWidget.SelectionMode.MultiSelection)
        for row, run in enumerate(self.runs):
            if run.name in names:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    # ------------------------------------------------------------------ comparing
    def _on_selection_changed(self) -> None:
        runs = self.selected_runs()
        metrics: list[str] = []
        self._rows = {run.path: read_metrics(run.path) for run in runs}
        for rows in self._rows.values():
            for key in rows[0] if rows else ():
                if key.startswith("val_") and key != "val_loss" and key[4:] not in metrics:
                    metrics.append(key[4:])
        current = self.metric_box.currentData()
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for name in metrics:
            self.metric_box.addItem(metric_title(name), name)
        if current in metrics:
            self.metric_box.setCurrentIndex(metrics.index(current))
        self.metric_box.blockSignals(False)
        self._draw()
        self._update_buttons()

    def _draw(self) -> None:
        for plot, item in self.curves:
            plot.removeItem(item)
        self.curves = []
        selected = self.selected_runs()
        metric = self.metric_box.currentData()
        set_title(self.loss_plot, LOSS_TITLE if selected else NOTHING_SELECTED)
        set_title(self.metric_plot, metric_title(metric) if metric else "Metric")
        # The table is the legend: each compared run's name has a swatch of its curves' colour
        # (a legend inside the plots covered the curves and cut long run names).
        colors = {run.path: series_color(index) for index, run in enumerate(selected)}
        for row, run in enumerate(self.runs):
            item = self.table.item(row, 0)
            if item is not None:
                color = colors.get(run.path)
                item.setData(Qt.ItemDataRole.DecorationRole, QColor(color) if color else None)
        for run in selected:
            rows = self._rows.get(run.path, [])
            color = colors[run.path]
            epochs = [r["epoch"] for r in rows]
            for key, style in (("val_loss", Qt.PenStyle.SolidLine), ("train_loss", Qt.PenStyle.DashLine)):
                pairs = [(r["epoch"], r[key]) for r in rows if r.get(key, 0) and r[key] > 0]
                if pairs:
                    item = curve(self.loss_plot, color, None, width=1.8, style=style)
                    item.setData([p[0] for p in pairs], [p[1] for p in pairs])
                    self.curves.append((self.loss_plot, item))
            if metric and epochs:
                pairs = [(r["epoch"], r["val_" + metric]) for r in rows if r.get("val_" + metric) is not None]
                item = curve(self.metric_plot, color, run.name, width=1.8, symbol="o")
                item.setData([p[0] for p in pairs], [p[1] for p in pairs])
                self.curves.append((self.metric_plot, item))

    def _update_buttons(self) -> None:
        runs = self.selected_runs()
        self.continue_button.setEnabled(len(runs) == 1 and runs[0].can_continue)
        self.open_button.setEnabled(len(runs) == 1)
        self.csv_button.setEnabled(bool(runs))
        self.image_button.setEnabled(bool(runs))

    # ------------------------------------------------------------------ actions
    def continue_selected(self, epochs: int | None = None) -> None:
        runs = self.selected_runs()
        if len(runs) != 1 or not runs[0].can_continue:
            return
        run = runs[0]
        if epochs is None:
            proposed = run.epochs if run.epochs_completed < run.epochs else run.epochs + 10
            epochs, ok = QInputDialog.getInt(
                self, "Continue the run", f"{run.name} has completed {run.epochs_completed} of"
                f" {run.epochs} epochs.\nTrain until epoch:", proposed, run.epochs_completed + 1, 1_000_000)
            if not ok:
                return
        emit(self.continue_requested, run.path, int(epochs))

    def _open_folder(self) -> None:
        runs = self.selected_runs()
        if runs:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(runs[0].path)))

    def save_csv(self, path: str | Path) -> None:
        write_text_atomic(Path(path), combined_csv(self.selected_runs()))

    def save_image(self, path: str | Path) -> None:
        export_png(self.plots, path)

    def _save_csv_dialog(self) -> None:
        path = ask_save_path(self, "Save the runs' metrics as CSV", "runs.csv")
        if path:
            self.save_csv(path)

    def _save_image_dialog(self) -> None:
        path = ask_save_path(self, "Save the comparison as an image", "runs.png")
        if path:
            self.save_image(path)
