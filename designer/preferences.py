"""Edit ▸ Preferences: theme, default device, default run folder, autosave, welcome at start-up.

Every change is stored at once (``designer.settings``, QSettings) and takes effect at
once: the theme repaints the whole window, the autosave timer gets its new interval,
the status bar shows the new device. There is no OK/Cancel to forget. View ▸ Theme
offers the theme alone, one click away.

Other parts read the preferences through ``designer.settings``:
``default_device()``, ``default_run_folder()``, ``autosave_minutes()``,
``theme_mode()``, ``welcome_at_startup()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton, QSpinBox, QVBoxLayout)

from designer import settings, theme
from designer.devices import DeviceReport, detector

if TYPE_CHECKING:  # pragma: no cover
    from designer.main_window import MainWindow

def _beside_project_text() -> str:
    from pathlib import Path

    from core.train.rundir import user_runs_folder

    folder = str(user_runs_folder()).replace(str(Path.home()), "~", 1)
    return f"runs/ beside each project, else {folder}"


class PreferencesDialog(QDialog):
    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.main_window = window
        self.theme = QComboBox(objectName="themeChoice")
        for mode in settings.THEME_MODES:
            self.theme.addItem(theme.MODE_TITLES[mode], mode)
        self.theme.setToolTip("Follow the system uses the desktop's light or dark setting and changes with it")
        self.device = QComboBox(objectName="deviceChoice")
        self.device.setToolTip("The device training uses when a project's device is 'auto'")
        self.run_folder = QLineEdit(objectName="runFolder", placeholderText=_beside_project_text())
        self.run_folder.setToolTip("Where training runs are written. Empty: a runs/ folder beside each project;"
                                   " unsaved projects and the examples use your own runs folder")
        browse = QPushButton("Choose…")
        browse.setAutoDefault(False)  # Enter in a text field must not open the folder chooser
        browse.clicked.connect(self.choose_run_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.run_folder, 1)
        folder_row.addWidget(browse)
        self.autosave = QSpinBox(objectName="autosaveMinutes")
        self.autosave.setRange(0, settings.MAX_AUTOSAVE_MINUTES)
        self.autosave.setSuffix(" min")
        self.autosave.setSpecialValueText("off")
        self.autosave.setToolTip("How often unsaved work is copied for recovery after a crash (0: never)")
        self.welcome = QCheckBox("Show the welcome gallery when LayerForge starts", objectName="welcomeAtStartup")
        self.tensorboard = QLineEdit(objectName="tensorboardFolder", placeholderText="off")
        self.tensorboard.setToolTip("Also write every run's metrics, weight histograms and graph as TensorBoard"
                                    " event files here (one sub-folder per run); needs pip install"
                                    " 'layerforge[tracking]'. Empty: off")
        self.mlflow = QLineEdit(objectName="mlflowUri", placeholderText="off")
        self.mlflow.setToolTip("Also log every run to MLflow: a folder such as ~/mlruns, or a server's URL;"
                               " needs pip install 'layerforge[tracking]'. Empty: off")
        self.tracking_note = QLabel("", objectName="trackingNote")
        self.tracking_note.setWordWrap(True)
        self.load()
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(10)
        form.addRow("Theme", self.theme)
        form.addRow("Default device", self.device)
        form.addRow("Run folder", folder_row)
        form.addRow("Autosave every", self.autosave)
        form.addRow("", self.welcome)
        form.addRow("TensorBoard folder", self.tensorboard)
        form.addRow("MLflow tracking", self.mlflow)
        form.addRow("", self.tracking_note)
        note = QLabel("Changes apply at once.", objectName="preferencesNote")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 12)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.theme.currentIndexChanged.connect(self._on_theme_chosen)
        self.device.currentIndexChanged.connect(self._on_device_chosen)
        self.run_folder.editingFinished.connect(self._on_run_folder_edited)
        self.autosave.valueChanged.connect(self._on_autosave_changed)
        self.welcome.toggled.connect(settings.set_welcome_at_startup)
        self.tensorboard.editingFinished.connect(self._on_tracking_edited)
        self.mlflow.editingFinished.connect(self._on_tracking_edited)
        found = detector()
        found.ready.connect(self._fill_devices)
        found.start()
        self.setMinimumWidth(600)

    def load(self) -> None:
        """Show the stored values (also when the dialog opens again: View ▸ Theme may have changed one)."""
        for widget in (self.theme, self.autosave, self.welcome):
            widget.blockSignals(True)
        self.theme.setCurrentIndex(settings.THEME_MODES.index(settings.theme_mode()))
        folder = settings.default_run_folder()
        self.run_folder.setText(str(folder) if folder else "")
        self.autosave.setValue(settings.autosave_minutes())
        self.welcome.setChecked(bool(settings.welcome_at_startup()))
        tracking = settings.tracking()
        self.tensorboard.setText(tracking["tensorboard"] or "")
        self.mlflow.setText(tracking["mlflow"] or "")
        for widget in (self.theme, self.autosave, self.welcome):
            widget.blockSignals(False)
        self._fill_devices(detector().report)

    # ------------------------------------------------------------------ devices
    def _fill_devices(self, report: DeviceReport | None) -> None:
        chosen = settings.default_device()
        entries = [("auto", "auto: the best available" if report is None else f"auto: {report.describe('auto')}")]
        if report is None:
            entries.append(("cpu", "CPU"))
        else:
            entries += list(report.devices)
        if chosen not in [d for d, _t in entries]:
            entries.append((chosen, f"{chosen} (not found on this machine)"))
        self.device.blockSignals(True)
        self.device.clear()
        for device, text in entries:
            self.device.addItem(text, device)
        self.device.setCurrentIndex(self.device.findData(chosen))
        self.device.blockSignals(False)

    # ------------------------------------------------------------------ edits
    def _on_theme_chosen(self, index: int) -> None:
        theme.set_mode(self.theme.itemData(index))

    def _on_device_chosen(self, index: int) -> None:
        settings.set_default_device(self.device.itemData(index))
        self.main_window.status_indicators.refresh_device()

    def _on_run_folder_edited(self) -> None:
        settings.set_default_run_folder(self.run_folder.text().strip() or None)

    def choose_run_folder(self) -> None:
        start = self.run_folder.text().strip() or settings.last_directory()
        folder = QFileDialog.getExistingDirectory(self, "Folder for training runs", start)
        if folder:
            self.run_folder.setText(folder)
            self._on_run_folder_edited()

    def _on_tracking_edited(self) -> None:
        """Store the tracking targets; say at once when the library they need is missing."""
        import importlib.util

        tensorboard, mlflow = self.tensorboard.text().strip(), self.mlflow.text().strip()
        settings.set_tracking(tensorboard or None, mlflow or None)
        missing = [name for name, wanted, module in (("tensorboard", tensorboard, "tensorboard"),
                                                     ("mlflow", mlflow, "mlflow"))
                   if wanted and importlib.util.find_spec(module) is None]
        self.tracking_note.setText(
            f"Not installed: {', '.join(missing)}. Training will say so; install with"
            " pip install 'layerforge[tracking]'." if missing else "")

    def _on_autosave_changed(self, minutes: int) -> None:
        settings.set_autosave_minutes(minutes)
        self.main_window.autosave.set_interval_minutes(minutes)


def show_preferences(window: "MainWindow") -> PreferencesDialog:
    """The window's Preferences dialog (made once, a child of the window), shown."""
    dialog = window.findChild(PreferencesDialog, options=Qt.FindChildOption.FindDirectChildrenOnly)
    if dialog is None:
        dialog = PreferencesDialog(window)
    else:
        dialog.load()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def install(window: "MainWindow") -> dict[str, QAction]:
    """Edit ▸ Preferences… (the platform's key, else Ctrl+,) and View ▸ Theme."""
    preferences = QAction("Pre&ferences…", window)
    preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
    preferences.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
                             or [QKeySequence("Ctrl+,")])
    preferences.setStatusTip("Theme, default device, run folder, autosave")
    preferences.triggered.connect(lambda _checked=False: show_preferences(window))
    edit = window.menu("Edit")
    edit.addSeparator()
    edit.addAction(preferences)

    menu = theme_menu(window)
    window.menu("View").insertMenu(window.panels_menu.menuAction(), menu)
    return {"preferences": preferences, **{f"theme_{m}": a for m, a in menu.mode_actions.items()}}


def theme_menu(window: "MainWindow") -> QMenu:
    """View ▸ Theme: one checkable action per mode, following changes made elsewhere."""
    menu = QMenu("&Theme", window)
    menu.setObjectName("themeMenu")
    group = QActionGroup(menu)
    menu.mode_actions = {}
    for mode in settings.THEME_MODES:
        action = menu.addAction(theme.MODE_TITLES[mode])
        action.setCheckable(True)
        action.setChecked(mode == settings.theme_mode())
        action.triggered.connect(lambda _checked=False, m=mode: theme.set_mode(m))
        group.addAction(action)
        menu.mode_actions[mode] = action
    menu.aboutToShow.connect(lambda: menu.mode_actions[settings.theme_mode()].setChecked(True))
    return menu
