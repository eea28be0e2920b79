"""Where batches come from: the fast on-device path, or a DataLoader for data that does not fit.

Both draw the same samples in the same order: each epoch's order is a permutation
made from ``(seed, epoch)`` alone, so a resumed run, a second process and the
DataLoader path all see exactly the batches an uninterrupted single process would.

With several processes (``world > 1``) every global batch of ``batch_size`` samples is
split between the ranks, and each rank's loss is weighted by its share, so the
averaged gradient equals the single-process gradient of the whole batch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

import numpy as np

#: Data takes at most this share of free GPU memory to be kept on the GPU.
DEVICE_MEMORY_SHARE = 0.4

#: A split of at most this many bytes on the device is gathered into each epoch's order at
#: once, its batches then slices of that copy: one op an epoch instead of two a batch, as
#: a small table's step is a handful of ops (the copy costs the split's size in memory).
WHOLE_GATHER_BYTES = 16 * 1024 ** 2


def epoch_seed(seed: int, epoch: int, stream: int = 0) -> int:
    """A well-mixed 63-bit seed for one epoch's permutation (or augmentation ``stream``)."""
    value = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + stream * 0x94D049BB133111EB)
    value &= (1 << 64) - 1
    value ^= value >> 31
    return value & ((1 << 63) - 1)


@dataclass
class Batch:
    """One step's inputs and loss targets on the device; ``weight`` scales the loss (DDP)."""

    x: object
    y: object
    start: int
    stop: int
    weight: float = 1.0


class BatchPlan:
    """Which samples each step of an epoch uses, for this rank.

    ``order(epoch)`` is the rank's sample indices in drawing order (a CPU int64 tensor)
    and ``steps`` are ``(start, stop, weight)`` slices of it.
    """

    def __init__(self, size: int, batch_size: int, *, shuffle: bool, seed: int,
                 rank: int = 0, world: int = 1, min_last: int = 1, for_training: bool = True):
        import torch

        self.size, self.batch_size, self.shuffle, self.seed = size, batch_size, shuffle, seed
        self.rank, self.world = rank, world
        starts = list(range(0, size, batch_size))
        sizes = [min(batch_size, size - s) for s in starts]
        # In training every rank needs a sample of every batch (they all step together), and
        # BatchNorm needs two; evaluation keeps every sample.
        smallest = max(world, 1) * min_last if for_training else 1
        if len(sizes) > 1 and sizes[-1] < smallest:
            starts, sizes = starts[:-1], sizes[:-1]
        self.dropped = size - sum(sizes)
        self._global = list(zip(starts, sizes))
        # This rank's share of each global batch, and its loss weight.
        self.steps: list[tuple[int, int, float]] = []
        local_index: list[tuple[int, int]] = []
        position = 0
        for start, n in self._global:
            bounds = np.linspace(0, n, world + 1).round().astype(int) if world > 1 else [0, n]
            lo, hi = int(bounds[rank]), int(bounds[rank + 1])
            if hi == lo:  # evaluation: this rank has nothing of a tiny last batch
                continue
            local_index.append((start + lo, start + hi))
            weight = (hi - lo) * world / n if world > 1 else 1.0
            self.steps.append((position, position + hi - lo, weight))
            position += hi - lo
        self.local_size = position
        if world > 1:
            self._take = torch.cat([torch.arange(a, b) for a, b in local_index]) if local_index \
                else torch.zeros(0, dtype=torch.int64)
        else:
            self._take = None
        # Made once and reused, as small tables run thousands of epochs: the shuffling
        # generator (re-seeded per epoch: the same permutations as a new one) and the order
        # of an unshuffled plan, which never changes (callers only read it).
        self._generator = torch.Generator() if shuffle else None
        self._fixed = None if shuffle else self._local(torch.arange(size))
        #: The unshuffled order of one process (0, 1, 2, ...), else None: its batches are
        #: consecutive rows, which :class:`DeviceBatches` takes as views instead of copies.
        self.identity = self._fixed if world <= 1 else None

    def order(self, epoch: int):
        import torch

        if self._fixed is not None:
            return self._fixed
        self._generator.manual_seed(epoch_seed(self.seed, epoch))
        return self._local(torch.randperm(self.size, generator=self._generator))

    def _local(self, perm):
        if self._take is not None:
            return perm[self._take]
        return perm[:self.local_size]

    def __len__(self) -> int:
        return len(self.steps)


class DeviceBatches:
    """The split's tensors live on the device; each batch is one ``index_select`` there."""

    on_device = True

    def __init__(self, x, y, plan: BatchPlan, device, channels_last: bool = False):
        import torch

        self.plan = plan
        self.device = torch.device(device)
        self.x = _to_device(x, self.device)
        self.channels_last = channels_last
        if channels_last:
            self.x = self.x.contiguous(memory_format=torch.channels_last)
        # Aligned once here, so that evaluation's batches are views, not copies (_consecutive).
        self.x = _aligned(self.x)
        self.y = _aligned(y.to(self.device)) if y is not None else None
        nbytes = self.x.nbytes + (self.y.nbytes if self.y is not None else 0)
        #: Whether each epoch's batches are slices of one gather of the whole split (see
        #: :data:`WHOLE_GATHER_BYTES`) rather than a gather each.
        self.gathers_whole = nbytes <= WHOLE_GATHER_BYTES

    def batches(self, order) -> Iterator[Batch]:
        x, y = self.x, self.y
        if order is self.plan.identity:
            yield from self._consecutive(x, y)
            return
        order = order.to(self.device)
        if self.gathers_whole:
            # The whole split in this epoch's order, in one gather; its batches are slices.
            yield from self._consecutive(*self._rows(order))
            return
        for start, stop, weight in self.plan.steps:
            yield Batch(*self._rows(order[start:stop]), start, stop, weight)

    def _rows(self, idx):
        """The inputs and targets of rows ``idx`` (a tensor on the device), gathered."""
        x, y = self.x, self.y
        # Advanced indexing keeps the channels-last layout; index_select is faster otherwise.
        xb = x[idx] if self.channels_last else x.index_select(0, idx)
        return xb, None if y is None else y.index_select(0, idx)

    def _consecutive(self, x, y) -> Iterator[Batch]:
        """Batches of consecutive rows (of the split, or of its copy in an epoch's order) as
        views, no copy. A view is used only where its first row is 64-byte aligned, like a
        new tensor's memory, so that the math libraries take the same path and give the same
        bits as on a copy (a view whose rows start elsewhere is copied). Layers never change
        their input in place."""
        for start, stop, weight in self.plan.steps:
            yield Batch(_aligned(x[start:stop]), None if y is None else _aligned(y[start:stop]),
                        start, stop, weight)


def _aligned(view):
    """``view`` itself if its memory starts on a 64-byte boundary, else a copy of it."""
    return view if view.data_ptr() % 64 == 0 else view.clone()


def _to_device(x, device):
    import torch

    if isinstance(x, np.ndarray):
        x = np.ascontiguousarray(x, dtype=np.float32)
        if not x.flags.writeable:
            x = x.copy()
        x = torch.from_numpy(x)
    return x.to(device)


class _ArrayRows:
    """``dataset[indices]`` -> (x rows, y rows); memory-mapped arrays are reopened in workers."""

    def __init__(self, x: np.ndarray, y):
        self.x, self.y = x, y

    def __getitem__(self, idx):
        import torch

        index = idx.numpy()
        rows = torch.from_numpy(np.ascontiguousarray(self.x[index], dtype=np.float32))
        return rows, (None if self.y is None else self.y[idx])

    def __getstate__(self):
        state = dict(self.__dict__)
        if isinstance(self.x, np.memmap) and getattr(self.x, "filename", None):
            state["x"] = ("memmap", str(self.x.filename), self.x.dtype.str, self.x.shape,
                          int(self.x.offset))
        return state

    def __setstate__(self, state):
        x = state["x"]
        if isinstance(x, tuple) and x and x[0] == "memmap":
            _, filename, dtype, shape, offset = x
            state["x"] = np.memmap(filename, dtype=np.dtype(dtype), mode="r", shape=shape,
                                   offset=offset)
        self.__dict__.update(state)


class _EpochSampler:
    """Yields the index slices of the current epoch (set before each epoch)."""

    def __init__(self, plan: BatchPlan):
        self.plan = plan
        self.order = None

    def __iter__(self):
        for start, stop, _weight in self.plan.steps:
            yield self.order[start:stop]

    def __len__(self) -> int:
        return len(self.plan)


class LoaderBatches:
    """A DataLoader with worker processes and pinned memory, for data too big for the device."""

    on_device = False

    def __init__(self, x: np.ndarray, y, plan: BatchPlan, device, workers: int | None = None,
                 channels_last: bool = False):
        import torch

        self.plan = plan
        self.device = torch.device(device)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.sampler = _EpochSampler(plan)
        if workers is None:
            workers = min(4, max(0, (os.cpu_count() or 1) - 1))
        self.workers = workers
        self.loader = torch.utils.data.DataLoader(
            _ArrayRows(x, y), sampler=self.sampler, batch_size=None, num_workers=workers,
            pin_memory=self.device.type == "cuda", persistent_workers=workers > 0)

    def batches(self, order) -> Iterator[Batch]:
        self.sampler.order = order
        non_blocking = self.device.type == "cuda"
        for (start, stop, weight), (xb, yb) in zip(self.plan.steps, self.loader):
            xb = xb.to(self.device, non_blocking=non_blocking, memory_format=self.memory_format)
            yb = None if yb is None else yb.to(self.device, non_blocking=non_blocking)
            yield Batch(xb, yb, start, stop, weight)


def fits_on_device(nbytes: int, device) -> bool:
    """Whether a split of ``nbytes`` should be copied to the device once."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return nbytes <= DEVICE_MEMORY_SHARE * free
    if device.type == "mps":
        return nbytes <= 2 * 1024 ** 3
    return True


def make_batches(x: np.ndarray, y, plan: BatchPlan, device, mode: str = "auto",
                 workers: int | None = None, channels_last: bool = False):
    """The on-device path when the data fits (and is not memory-mapped on a CPU), else a loader.

    ``channels_last`` stores image batches as NHWC, which convolutions run faster on.
    """
    import torch

    nbytes = int(x.nbytes) + (int(y.numel() * y.element_size()) if y is not None else 0)
    is_memmap = isinstance(x, np.memmap)
    cpu = torch.device(device).type == "cpu"
    use_device = mode == "device" or (mode == "auto" and fits_on_device(nbytes, device)
                                      and not (cpu and is_memmap))
    if use_device:
        return DeviceBatches(x, y, plan, device, channels_last)
    return LoaderBatches(x, y, plan, device, workers, channels_last)
