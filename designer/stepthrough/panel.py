"""The Step Through panel: one training sample followed through the network, step by step.

The person picks a training sample and presses Start; a worker thread
(:class:`designer.data.tasks.BackgroundTask`) runs ``core.stepthrough.step_through`` on a
copy of the project, so torch never runs on the GUI thread. Then Previous/Next walk the
steps: each shows its title, the sentence that explains it, its numbers in a table, and
on the canvas the node is selected, scrolled into view and labelled with the step's
numbers (:class:`~designer.stepthrough.bubble.StepBubble`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from core.stepthrough import PHASE_TITLES, size_problem
from designer.data.messages import MessageLabel
from designer.data.tasks import BackgroundTask, ProgressRow
from designer.stepthrough.bubble import PHASE_COLORS, StepBubble
from designer.stepthrough.numbers import NumbersTable

if TYPE_CHECKING:  # pragma: no cover
    from designer.services import Services

INTRO = ("Follow one training sample through the network: the forward pass layer by layer, the"
         " loss, the backward pass (the chain rule, from the loss back to the input) and one update"
         " of the weights, with the real numbers. Pick a sample and press Start.")


def walkthrough_job(project_json: str, project_path: str | None, sample: int, progress, cancel):
    """The worker's job: one training step of a copy of the project on ``sample``."""
    from core.project import Project
    from core.stepthrough import step_through

    project = Project.from_dict(json.loads(project_json), path=project_path)
    return step_through(project, sample, progress=progress, cancel=cancel)


class StepThroughPanel(QWidget):
    """Start, Previous/Next and the current step; follows the project and the canvas of ``services``."""

    step_changed = Signal(int)

    def __init__(self, services: "Services", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepThroughPanel")
        self.services = services
        self.walkthrough = None
        self.index = -1
        self.task: BackgroundTask | None = None
        self.bubble: StepBubble | None = None
        self.intro = QLabel(INTRO, objectName="explanation", wordWrap=True)
        self.sample = QSpinBox(objectName="stepSample")
        self.sample.setRange(0, 999_999)
        self.sample.setToolTip("Which training sample to follow (its row in the training split)")
        self.start_button = QPushButton("Start", objectName="stepStart")
        self.start_button.setToolTip("Run one training step on this sample and show it step by step")
        self.previous_button = QPushButton("◀ Previous", objectName="stepPrevious")
        self.next_button = QPushButton("Next ▶", objectName="stepNext")
        self.previous_button.setToolTip("The step before (Alt+Left)")
        self.next_button.setToolTip("The next step (Alt+Right)")
        self.counter = QLabel("", objectName="stepCounter")
        self.title = QLabel("", objectName="stepTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel("", objectName="stepText", wordWrap=True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.text.setMinimumWidth(260)
        self.notes = QLabel("", objectName="explanation", wordWrap=True)
        self.table = NumbersTable()
        self.progress = ProgressRow()
        self.message = MessageLabel()
        self._build()
        self.start_button.clicked.connect(self.start)
        self.previous_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        QShortcut(QKeySequence("Alt+Left"), self, self.previous)
        QShortcut(QKeySequence("Alt+Right"), self, self.next)
        if services.project_replaced is not None:
            services.project_replaced.connect(self._on_project_replaced)
        if services.undo_stack is not None:
            services.undo_stack.indexChanged.connect(self._on_design_changed)
        self._update_buttons()

    def _build(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Sample"))
        controls.addWidget(self.sample)
        controls.addWidget(self.start_button)
        controls.addSpacing(16)
        controls.addWidget(self.previous_button)
        controls.addWidget(self.next_button)
        controls.addSpacing(8)
        controls.addWidget(self.counter, 1)
        left = QWidget()
        words = QVBoxLayout(left)
        words.setContentsMargins(0, 0, 0, 0)
        words.addWidget(self.title)
        words.addWidget(self.text, 1)
        words.addWidget(self.notes)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.addWidget(self.intro)
        box.addLayout(controls)
        box.addWidget(self.progress)
        box.addWidget(self.message)
        box.addWidget(splitter, 1)

    # ------------------------------------------------------------------ computing
    def problem(self) -> str | None:
        """Why Start cannot run now (no data, a design with errors, too many weights), or None."""
        if self.services.project().data is None:
            return "Load data first (Data menu): the step-through follows one of its training samples."
        analysis = self.services.analysis
        blocking = analysis.blocking_problem() if analysis is not None else None
        if blocking:
            return blocking
        return size_problem(analysis.analysis if analysis is not None else None)

    def start(self) -> None:
        if self.task is not None and self.task.running:
            return
        problem = self.problem()
        if problem:
            self.message.show_error(problem)
            return
        project = self.services.project()
        text, path = project.to_json(), (str(project.path) if project.path else None)
        sample = self.sample.value()
        self.message.show_notes([])
        self.task = BackgroundTask(lambda progress, cancel: walkthrough_job(text, path, sample, progress, cancel),
                                   "step-through", self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(lambda: (self.message.show_note("Cancelled."), self._update_buttons()))
        self.progress.follow(self.task, "Running one training step…")
        self.task.start()
        self._update_buttons()

    def _on_finished(self, walkthrough) -> None:
        self.walkthrough = walkthrough
        self.sample.setMaximum(max(0, walkthrough.sample_count - 1))
        self.notes.setText(" ".join(n[0].upper() + n[1:] + "." for n in walkthrough.notes))
        self.notes.setVisible(bool(walkthrough.notes))
        self.show_step(0)

    def _on_failed(self, text: str) -> None:
        self.message.show_error(text)
        self._update_buttons()

    # ------------------------------------------------------------------ walking
    @property
    def step(self):
        if self.walkthrough is None or not 0 <= self.index < len(self.walkthrough.steps):
            return None
        return self.walkthrough.steps[self.index]

    def next(self) -> None:
        if self.walkthrough is not None and self.index < len(self.walkthrough.steps) - 1:
            self.show_step(self.index + 1)

    def previous(self) -> None:
        if self.walkthrough is not None and self.index > 0:
            self.show_step(self.index - 1)

    def show_step(self, index: int) -> None:
        """Show step ``index``: its words and numbers here, its node on the canvas."""
        self.index = index
        step = self.walkthrough.steps[index]
        color = PHASE_COLORS.get(step.phase, "#5fb3ff")
        self.counter.setText(f"Step {index + 1} of {len(self.walkthrough.steps)} ·"
                             f" <span style='color:{color}'>{PHASE_TITLES.get(step.phase, step.phase)}</span>")
        self.title.setText(step.title)
        self.text.setText(step.text)
        self.table.show_numbers(step.numbers, step.focus)
        self._show_on_canvas(step)
        self._update_buttons()
        self.step_changed.emit(index)

    def _show_on_canvas(self, step) -> None:
        scene = self.services.scene
        if scene is None or step.node_id is None:
            return
        scene.select_nodes([step.node_id])
        card = scene.nodes.get(step.node_id)
        if card is None:  # the node was deleted since
            self.remove_bubble()
            return
        if self.bubble is None or self.bubble.scene() is not scene:
            self.bubble = StepBubble()
            scene.addItem(self.bubble)
        self.bubble.show_step(card.pos(), step.phase, step.badge)
        self.bubble.show()
        view = self.services.view
        if view is not None:
            view.ensureVisible(card.sceneBoundingRect().united(self.bubble.sceneBoundingRect()), 40, 40)

    def remove_bubble(self) -> None:
        if self.bubble is not None:
            if self.bubble.scene() is not None:
                self.bubble.scene().removeItem(self.bubble)
            self.bubble = None

    def clear(self, note: str | None = None) -> None:
        """Forget the walkthrough (another project is open)."""
        self.walkthrough, self.index = None, -1
        self.title.setText("")
        self.text.setText("")
        self.counter.setText("")
        self.notes.setText("")
        self.table.show_numbers(())
        self.remove_bubble()
        self.message.show_notes([note] if note else [])
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.task is not None and not self.task.done
        have = self.walkthrough is not None
        self.start_button.setEnabled(not busy)
        self.sample.setEnabled(not busy)
        self.previous_button.setEnabled(have and self.index > 0)
        self.next_button.setEnabled(have and self.index < len(self.walkthrough.steps) - 1 if have else False)

    def _on_project_replaced(self, _project) -> None:
        self.clear()

    def _on_design_changed(self, _index: int) -> None:
        if self.walkthrough is not None:
            self.message.show_note("The design changed since these numbers were computed: press Start"
                                   " to step through it again.")

    def hideEvent(self, event) -> None:
        self.remove_bubble()
        super().hideEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.step is not None:
            self._show_on_canvas(self.step)
