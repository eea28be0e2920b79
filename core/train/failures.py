"""Failures during training that are a person's to fix, told as a sentence, not as a bug.

``check`` refuses networks whose estimated memory does not fit, but the estimate is a
lower bound and other programs take memory too: an allocator failure in the middle of
a run still says what to change instead of "a bug in LayerForge".
"""

from __future__ import annotations

_OUT_OF_MEMORY = ("out of memory", "can't allocate memory", "cannot allocate memory",
                  "not enough memory")


def out_of_memory(err: BaseException) -> bool:
    """Whether ``err`` is an allocator failure (CPU or GPU), whatever the framework calls it."""
    if isinstance(err, MemoryError):
        return True
    text = str(err).lower()
    return isinstance(err, RuntimeError) and any(words in text for words in _OUT_OF_MEMORY)


def out_of_memory_sentence(device: str | None, batch_size: int) -> str:
    where = "the GPU" if device and device.startswith("cuda") else "the computer"
    return (f"training ran out of memory on {where} with batches of {batch_size}: lower the batch"
            " size, make the layers smaller, or close other programs; the last completed epoch's"
            " checkpoint is kept")
