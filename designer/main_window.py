"""A first window: shows a project's check report until the canvas arrives."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QMainWindow, QMessageBox, QPlainTextEdit

from core.check import check_project, format_table, format_totals
from core.errors import ProjectError
from core.project import Project


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("LayerForge")
        self.resize(900, 600)
        self.report_view = QPlainTextEdit(readOnly=True)
        self.report_view.setFont(QFont("DejaVu Sans Mono", 10))
        self.setCentralWidget(self.report_view)
        self.project: Project | None = None

    def open_path(self, path: str) -> bool:
        try:
            project = Project.load(path)
        except ProjectError as err:
            QMessageBox.warning(self, "Cannot open project", str(err))
            return False
        self.project = project
        report = check_project(project)
        text = "\n\n".join([project.name, format_table(project, report.analysis),
                            format_totals(report.analysis)]
                           + [p.message for p in report.problems])
        self.report_view.setPlainText(text)
        self.setWindowTitle(f"{project.path.name} - LayerForge")
        return True
