"""PySide6 6.12 on Python 3.11 loses a reference to True on every Python-side emit; ours do not."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from designer.data.signals import emit


class _Sender(QObject):
    changed = Signal(int)


def test_many_emits_keep_the_reference_count_of_true(qtbot):
    sender = _Sender()
    received = []
    sender.changed.connect(received.append)
    emit(sender.changed, 0)  # the first call measures whether this PySide6 leaks
    before = sys.getrefcount(True)
    for i in range(2000):  # more than True has references: a leak would abort the interpreter
        emit(sender.changed, i)
    assert len(received) == 2001
    assert abs(sys.getrefcount(True) - before) < 50
