"""The training loop: a plain loop with callbacks, a stop flag and pause between batches.

Speed comes from doing less per batch than a typical hand-written loop: the data is
on the device once and each batch is one ``index_select``; the loss and the
predictions for the metrics stay on the device until the epoch ends (no ``.item()``
per batch on GPUs); the optimiser is PyTorch's fused one; gradients are set to
``None`` instead of zeroed; checkpoint files are written by a background thread.

Build a trainer with :func:`core.train.setup.prepare` (from a project) or
:func:`core.train.setup.continue_run` (from a run folder); see docs/training.md.
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import Any, Iterable

from core.data.dataset import Dataset
from core.errors import TrainingError
from core.train import record
from core.train.batches import BatchPlan, epoch_seed, make_batches
from core.train.callbacks import (COMPLETED, FAILED, RUNNING, STOPPED, BatchEnd, Callback,
                                  CallbackList, EpochEnd, TrainResult)
from core.train.checkpoint import restore_trainer
from core.train.control import StopRequested, TrainingControl
from core.train.failures import out_of_memory, out_of_memory_sentence
from core.train.device import Placement, resolve, uses_channels_last
from core.train.metrics import Evaluation, epoch_row
from core.train.modes import mode_setter
from core.heads import Head
from core.train.head_losses import HeadObjectives, aux_loss_layers
from core.train.optim import apply_update, check_update, current_settings, make_optimizer, make_schedule
from core.train.param_groups import base_learning_rate, gan_notes, training_groups
from core.train.run_warnings import training_warning
from core.train.rundir import WEIGHTS, RunDirectory
from core.train.run_state import RunState
from core.train.saving import EpochSaver
from core.train.spec import TrainSpec, metric_direction
from core.train.tracker import BestTracker
from core.train.unfreeze import Unfreezing
from core.train.weights_copy import WeightsCopier

#: Bytes of input per evaluation batch (evaluation batches are larger than training ones).
EVAL_BATCH_BYTES = 32 * 1024 * 1024


class Diverged(Exception):
    """The loss became NaN or infinite."""


def divergence_message(where: str, value: float, epoch: int, batch: int | None, lr: float,
                       kept: int) -> str:
    """What happened and what to try, for a loss that became NaN or infinite; ``kept``: the
    epoch the run's checkpoint holds (0: none)."""
    what = "NaN" if math.isnan(value) else "infinite"
    at = f"epoch {epoch}" + (f", batch {batch}" if batch else "")
    if kept:
        checkpoint = f"the checkpoint of epoch {kept} was kept"
    elif epoch > 1:  # the epochs before were too short to keep (core/train/saving.py)
        checkpoint = "no checkpoint was kept (the epochs were short: train again from the start)"
    else:
        checkpoint = "no epoch had completed, so there is no checkpoint"
    return (f"the {where} loss became {what} at {at}: try a lower learning rate (now {lr:g}),"
            " gradient clipping (training.gradient_clip, such as 1.0), or check the data for"
            f" extreme or missing values; {checkpoint}")


class Trainer:
    """Trains ``module`` on ``dataset`` as ``spec`` says, writing ``run_dir``.

    Control it from any thread with :meth:`stop`, :meth:`pause`, :meth:`resume` and
    :meth:`update_optimizer`; follow it with callbacks. ``fit()`` runs in the calling
    thread and returns a :class:`TrainResult`; it raises only for bugs, never for a
    diverging loss or a stop.
    """

    def __init__(self, module, dataset: Dataset, spec: TrainSpec, *, run_dir: str | Path | None = None,
                 callbacks: Iterable[Callback] = (), project: dict[str, Any] | None = None,
                 project_dir: str | Path | None = None, distributed=None,
                 notes: Iterable[str] = (), resume_state: dict[str, Any] | None = None,
                 run_record: dict[str, Any] | None = None, frozen: Iterable[str] = (),
                 heads: list[Head] | None = None, predictor=None,
                 lr_multipliers: dict[str, float] | None = None):
        self.module = module
        self._copy_weights = WeightsCopier(module)
        self.dataset = dataset
        self.info = dataset.info
        self.spec = spec
        self.project = project
        self.project_dir = Path(project_dir) if project_dir else None
        self.dist = distributed
        self.callbacks = CallbackList(callbacks)
        self.run = RunState(notes=list(notes), record=run_record)
        self.frozen = list(frozen)
        #: ``{node id: lr_multiplier}`` of the layers that train at another rate (not 1).
        self.lr_multipliers = dict(lr_multipliers or {})
        #: ``training.unfreeze_at_epoch``'s plan (made when training starts), or None.
        self.unfreezing: Unfreezing | None = None
        self.run_dir = Path(run_dir) if run_dir else None
        self.runs = RunDirectory(self.run_dir, enabled=self.is_main) if self.run_dir else None
        self.control = TrainingControl()
        self.state = "idle"
        self.tracker: BestTracker | None = None  # made when training starts
        #: The heads (Output nodes) and their losses; ``objective`` is the primary head's.
        self.heads = HeadObjectives.create(heads, self.info, spec, dataset.preprocessing)
        self.objective = self.heads.objective
        #: A GAN's alternating updates (core/train/adversarial.py), or None for other networks.
        self.adversarial = None
        if self.heads.adversarial:
            from core.train.adversarial import AdversarialTraining

            self.adversarial = AdversarialTraining.create(self.heads, spec, self.run.notes, distributed)
        #: The module that makes the primary head's predictions (probes, test metrics' views).
        self.predictor = predictor if predictor is not None else module
        self.placement: Placement | None = None
        self.channels_last = False
        self.optimizer = None
        self.schedule = None
        self._resume_state = resume_state
        self._aux_layers: list = []  # layers that add a loss term of their own (see head_losses)
        #: The best epoch's weights on the CPU (restored at the end, saved as model.safetensors).
        self.best_weights: dict[str, Any] | None = None
        self._confusions: dict[str, Any] = {}
        self._accumulators: dict[Any, Any] = {}  # {a split's batches: its metric accumulator}
        self._mode_setters: dict[Any, Any] = {}  # {module: set_mode(training)} (core/train/modes.py)
        self._started = False
        self._checkpoint_said = False  # whether the run's reason names the checkpoint's epoch
        self.saver = EpochSaver(self)  # writes each completed epoch to the run folder when due

    # ------------------------------------------------------------------ the run's progress
    # Shorthands for the fields of ``self.run`` (the RunState the record and checkpoint read).
    epoch = property(lambda self: self.run.epoch, lambda self, v: setattr(self.run, "epoch", v))
    step = property(lambda self: self.run.step, lambda self, v: setattr(self.run, "step", v))
    history = property(lambda self: self.run.history, lambda self, v: setattr(self.run, "history", v))
    changes = property(lambda self: self.run.changes, lambda self, v: setattr(self.run, "changes", v))
    notes = property(lambda self: self.run.notes, lambda self, v: setattr(self.run, "notes", v))

    # ------------------------------------------------------------------ control (any thread)
    @property
    def is_main(self) -> bool:
        return self.dist is None or self.dist.is_main

    def stop(self) -> None:
        """Stop after the current batch, the run keeping its last completed epoch (after
        the current epoch where that was too short to keep: core/train/saving.py)."""
        self.control.request_stop()

    def pause(self) -> None:
        """Wait between batches until :meth:`resume` (or :meth:`stop`); between epochs where
        :meth:`stop` would."""
        self.control.request_pause()

    def resume(self) -> None:
        self.control.request_resume()

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    def update_optimizer(self, **settings: Any) -> None:
        """Change ``learning_rate``, ``weight_decay``, ``momentum``, ``nesterov``, ``betas`` or
        ``gradient_clip`` from any thread; applied before the next batch (also while paused).

        Raises :class:`TrainingError` at once for a setting this optimiser lacks or a bad value.
        """
        clean = check_update(self.spec.optimizer, settings, self.optimizer_settings())
        if clean:
            self.control.request_update(clean)

    def optimizer_settings(self) -> dict[str, Any]:
        """The settings in effect: learning_rate, weight_decay, (momentum, nesterov, betas), gradient_clip."""
        if self.optimizer is None:
            settings = {"learning_rate": self.spec.learning_rate, "weight_decay": self.spec.weight_decay}
        else:
            settings = current_settings(self.optimizer)
        settings["gradient_clip"] = self.spec.gradient_clip
        return settings

    # ------------------------------------------------------------------ the run
    def fit(self) -> TrainResult:
        """Train until the last epoch, early stopping, a stop request or a diverging loss."""
        try:
            return self._fit()
        finally:
            if self.runs is not None:
                self.runs.release()  # the run folder is free for another run, however this ended

    def _fit(self) -> TrainResult:
        import torch

        started = time.time()
        self.state = RUNNING
        status, reason = RUNNING, None
        try:
            self._setup()
            self._start_record(started)
            self._started = True
            self.callbacks.on_train_start(self)
            status, reason = self._epochs()
            if self.adversarial is not None and status == COMPLETED and reason is None:
                from core.train.adversarial import KEEPS_LAST

                reason = KEEPS_LAST
        except StopRequested:
            status, reason = STOPPED, f"stopped by request after epoch {self.epoch}"
        except Diverged as err:
            status, reason = FAILED, str(err)
        except TrainingError as err:
            if not self._started:  # training could not start: nothing was written
                self.state = FAILED
                raise
            status, reason = FAILED, str(err)
        except BaseException as err:
            if not out_of_memory(err):
                aborted = isinstance(err, KeyboardInterrupt)
                if self._started:
                    self._finish_record(STOPPED if aborted else FAILED,
                                        "interrupted" if aborted else f"{type(err).__name__}: {err}",
                                        started, None)
                self.state = STOPPED if aborted else FAILED
                raise
            device = self.placement.device if self.placement is not None else None
            sentence = out_of_memory_sentence(device, self.spec.batch_size)
            if not self._started:
                self.state = FAILED
                raise TrainingError(sentence) from None
            status, reason = FAILED, sentence
        test = None
        if status == COMPLETED or (status == STOPPED and self.epoch > 0):
            self._restore_final_weights()
            test = self._test_metrics()
        elif self.best_weights is not None and status == FAILED:
            self.module.load_state_dict(self.best_weights)
        if self.placement is not None and self.placement.device_type == "cuda":
            torch.cuda.synchronize()
        result = self._finish_record(status, reason, started, test)
        self.state = status
        self.callbacks.on_train_end(self, result)
        if self.dist is not None:
            # Drop the DistributedDataParallel wrapper while the process group lives: its
            # reducer holds gloo work that must not outlive the group (an abort at exit).
            self.train_module = self.module
        return result

    # ------------------------------------------------------------------ setup
    def _setup(self) -> None:
        import torch

        spec = self.spec
        device = spec.device
        if self.dist is not None and self.dist.backend == "nccl":
            device = f"cuda:{self.dist.local_rank}"
        self.placement = resolve(device, spec.precision)
        self.notes.extend(self.placement.notes)
        dev = torch.device(self.placement.device)
        self.module.to(dev)
        self.channels_last = uses_channels_last(self.module, self.info.input_shape)
        if self.channels_last:  # about 30% faster convolutions on CPUs (oneDNN), and on GPUs
            self.module.to(memory_format=torch.channels_last)
        if self.dataset.train is None or len(self.dataset.train) == 0:
            raise TrainingError("the data has no training samples: check the data and its split")
        rank, world = (self.dist.rank, self.dist.world) if self.dist else (0, 1)
        has_bn = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in self.module.modules())
        self.plan = BatchPlan(len(self.dataset.train), spec.batch_size, shuffle=spec.shuffle,
                              seed=spec.seed, rank=rank, world=world, min_last=2 if has_bn else 1)
        if self.plan.dropped:
            self.notes.append(f"the last {self.plan.dropped} training sample(s) of each epoch's order"
                              " are left out (a batch too small to split or to normalise)")
        train = self.dataset.train
        self.train_batches = make_batches(train.x, self.heads.batch_targets(train.y), self.plan,
                                          dev, spec.data_loading, spec.workers, self.channels_last)
        self.train_targets = self.objective.metric_targets(train.y)
        self.val = self._eval_source(self.dataset.validation, dev, rank, world)
        params = [p for p in self.module.parameters() if p.requires_grad]
        if not params:
            raise TrainingError("every layer is frozen (trainable: false) or has no weights:"
                                " there is nothing to train")
        if self.adversarial is not None:  # one optimiser, a parameter group per sub-network
            self.adversarial.setup(self)
            params = self.adversarial.param_groups(spec)
            self.notes.extend(gan_notes(spec))
        else:  # a group per lr_multiplier; layers to unfreeze later wait in groups of their own
            self.unfreezing = Unfreezing.plan(spec, self.frozen)
            params = training_groups(self.module, spec.learning_rate, self.lr_multipliers,
                                     self.unfreezing.layers if self.unfreezing else (),
                                     spec.unfreeze_learning_rate_factor)
        self.optimizer = make_optimizer(params, spec, self.placement.device_type)
        self.tracker = (self.adversarial.tracker() if self.adversarial is not None
                        else BestTracker(self.monitor, spec.early_stopping))
        self.schedule = make_schedule(self.optimizer, spec, len(self.plan), metric_direction(self.monitor))
        self.scaler = (torch.amp.GradScaler("cuda") if self.placement.precision == "fp16" else None)
        aux = aux_loss_layers(self.module) if self.adversarial is None else []
        for _node_id, layer in aux:
            layer.collect = True
        self.heads.aux = [node_id for node_id, _layer in aux]
        self._aux_layers = [layer for _node_id, layer in aux]
        self.loss_fn = self.heads.loss(self._aux_layers)
        self.train_module = self.module
        if self.dist is not None:
            self.wrap_distributed()
        if self._resume_state is not None:
            restore_trainer(self, self._resume_state)
            self._resume_state = None
        for settings in self.control.take_updates():
            self._apply_settings(settings)
        if self.runs is not None:
            self.runs.create()

    def wrap_distributed(self) -> None:
        """Wrap the module in DistributedDataParallel, which syncs the gradients of the
        parameters that train when it is made (again after an unfreeze)."""
        import torch
        from torch.nn.parallel import DistributedDataParallel

        dev = torch.device(self.placement.device)
        self.train_module = DistributedDataParallel(
            self.module, device_ids=[dev.index] if dev.type == "cuda" else None,
            gradient_as_bucket_view=True)

    @property
    def monitor(self) -> str:
        """The metrics.csv column that picks the best epoch (``val_`` falls back to ``train_``)."""
        monitor = self.spec.monitor
        if monitor.startswith("val_") and not self.dataset.validation:
            monitor = "train_" + monitor[4:]
        return monitor

    def _eval_source(self, split, device, rank: int, world: int):
        if split is None or len(split) == 0:
            return None
        sample_bytes = max(4, int(split.x[:1].nbytes))
        size = max(self.spec.batch_size, min(4096, EVAL_BATCH_BYTES // sample_bytes))
        plan = BatchPlan(len(split), size, shuffle=False, seed=0, rank=rank, world=world,
                         for_training=False)
        batches = make_batches(split.x, self.heads.batch_targets(split.y), plan, device,
                               self.spec.data_loading, self.spec.workers, self.channels_last)
        return batches, self.objective.metric_targets(split.y)

    # ------------------------------------------------------------------ epochs
    def _epochs(self) -> tuple[str, str | None]:
        # An epoch's wall time runs from the previous epoch's row to this one's, so it holds
        # the previous epoch's saving and callbacks too: the honest rate of a whole run.
        clock, paused_at_clock = time.perf_counter(), self.control.paused_seconds
        self.saver.begin()
        while self.epoch < self.spec.epochs:
            epoch = self.epoch + 1
            if self.unfreezing is not None and self.unfreezing.due(epoch):
                self.unfreezing.apply(self, epoch)
            started = time.perf_counter()
            paused_before = self.control.paused_seconds
            for layer in self._aux_layers:
                layer.set_epoch(epoch)  # a KL warm-up follows the epoch, also after a resume
            train = self._train_epoch(epoch)
            train_seconds = time.perf_counter() - started - (self.control.paused_seconds - paused_before)
            if not math.isfinite(train.loss):
                raise self._diverged(epoch, None, train.loss, parts=_head_values(train))
            val = self._evaluate(self.val) if self.val else None
            if val is not None and not math.isfinite(val.loss):
                raise self._diverged(epoch, None, val.loss, "validation", parts=_head_values(val))
            now = time.perf_counter()
            seconds = now - clock - (self.control.paused_seconds - paused_at_clock)
            clock, paused_at_clock = now, self.control.paused_seconds
            row = epoch_row(epoch, train, val, self.spec.metrics,
                            base_learning_rate(self.optimizer), seconds, train_seconds)
            is_best = self.tracker.update(row)
            self.run.best_epoch = self.tracker.best_epoch
            self._confusions["last"] = val.confusion if val is not None else None
            if is_best:
                self._confusions["best"] = self._confusions["last"]
            if self.schedule is not None:
                self.schedule.epoch_end(row.get(self.monitor))
            self.epoch = epoch
            self.history.append(row)
            # Early stopping ends the run, unless layers still wait to be unfrozen.
            stopping = bool(self.tracker.stop_reason) and not (self.unfreezing and self.unfreezing.waiting)
            self.saver.epoch_done(is_best, last=stopping or epoch >= self.spec.epochs,
                                  seconds=time.perf_counter() - started)
            # A GAN has no best epoch to show (it keeps its last): 0 says "none" to the views.
            best_epoch = self.tracker.best_epoch if self.adversarial is None else 0
            self.callbacks.on_epoch_end(self, EpochEnd(epoch, self.spec.epochs, dict(row), is_best,
                                                       best_epoch,
                                                       val.confusion if val is not None else None))
            if stopping:
                return COMPLETED, self.tracker.stop_reason
            if self.dist is not None and self._stop_everywhere():
                self.saver.keep_last_epoch()
                raise StopRequested
            if self.control.pending:  # asked for by a callback just now, or during the epoch
                self.saver.keep_last_epoch()
                self._control_point()
        return COMPLETED, None

    def _train_epoch(self, epoch: int) -> Evaluation:
        import torch

        model, loss_fn = self.train_module, self.loss_fn
        self._set_mode(model, True)
        self._keep_frozen_in_eval()
        order = self.plan.order(epoch)
        acc = self._accumulator(self.train_batches)
        augment = self.dataset.augment
        if augment is not None:
            generator = torch.Generator(self.train_batches.device)
            generator.manual_seed(epoch_seed(self.spec.seed, epoch, 1 + (self.dist.rank if self.dist else 0)))
        optimizer, schedule, scaler = self.optimizer, self.schedule, self.scaler
        autocast = self._autocast()
        distributed = self.dist is not None
        check_every = 0 if distributed else (1 if self.placement.device_type == "cpu" else 32)
        callbacks = self.callbacks if self.callbacks.wants_batches else None
        batches = len(self.plan)
        control = self.control
        adversarial = self.adversarial
        run = self.run
        for number, batch in enumerate(self.train_batches.batches(order), 1):
            inputs = batch.x
            x = augment(inputs, generator) if augment is not None else inputs
            if adversarial is not None:  # a GAN: the discriminator's steps, then the generator's
                loss, parts = adversarial.train_step(self, x, batch.y)
            else:
                # Gradients are cleared here, not after the step, so callbacks can read them.
                optimizer.zero_grad(set_to_none=True)
                with autocast:
                    out = model(x)
                    loss = loss_fn(out, inputs, batch.y)
                scaled = loss * batch.weight if distributed else loss
                if scaler is not None:
                    scaler.scale(scaled).backward()
                    self._clip(unscale=True)
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    scaled.backward()
                    if self.spec.gradient_clip is not None:
                        self._clip()
                    optimizer.step()
            if schedule is not None:
                schedule.batch_end()
            run.step += 1
            value = None
            if check_every and run.step % check_every == 0:
                # On the CPU every batch (reading a number costs no synchronisation there); the
                # value read is also what the accumulator sums, so the loss is read once.
                value = loss.item()
                if not math.isfinite(value):
                    raise self._diverged(epoch, number, value)
            size = batch.stop - batch.start
            if adversarial is not None:
                acc.add_loss(loss, size, parts, value)
            else:
                acc.add_loss(loss, size, loss_fn.parts, value)
                acc.update(loss_fn.prediction(out), batch.start, batch.stop, inputs)
            if callbacks is not None:
                callbacks.on_batch_end(self, BatchEnd(epoch, number, batches, self.step, size, loss.detach(), value))
            # Several processes stop together, at the end of the epoch; so does a run whose
            # last epoch is not kept (a short one: core/train/saving.py).
            if control.pending and self.saver.holds_last_epoch:
                self._control_point(allow_stop=not distributed)
        return self._reduce(acc, order, self.train_targets)

    def _clip(self, unscale: bool = False) -> None:
        import torch

        if self.spec.gradient_clip is None:
            return
        if unscale:
            self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.module.parameters(), self.spec.gradient_clip, foreach=True)

    def _autocast(self):
        import torch

        if self.placement.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.placement.device_type, dtype=self.placement.amp_dtype)

    def _evaluate(self, source, module=None) -> Evaluation:
        import torch

        batches, targets = source
        module = module or self.module
        self._set_mode(module, False)
        acc = self._accumulator(batches)
        loss_fn = self.loss_fn
        adversarial = self.adversarial
        if adversarial is not None:  # D(x) on the split, D(G(z)) on the same noise every epoch
            noise = adversarial.fixed_noise(batches.plan.local_size, batches.device)
        with torch.inference_mode(), self._autocast():
            for batch in batches.batches(batches.plan.order(0)):
                if adversarial is not None:
                    loss, parts = adversarial.evaluate_batch(batch.x, noise[batch.start:batch.stop],
                                                            batch.y, batch.start)
                    acc.add_loss(loss, batch.stop - batch.start, parts)
                    continue
                out = module(batch.x)
                loss = loss_fn(out, batch.x, batch.y)
                acc.add_loss(loss, batch.stop - batch.start, loss_fn.parts)
                acc.update(loss_fn.prediction(out), batch.start, batch.stop, batch.x)
        return self._reduce(acc, batches.plan.order(0), targets)

    def _set_mode(self, module, training: bool) -> None:
        """``module.train(training)``, made once per module (see :mod:`core.train.modes`)."""
        setter = self._mode_setters.get(module)
        if setter is None:
            setter = self._mode_setters[module] = mode_setter(module)
        setter(training)

    def _accumulator(self, batches):
        """The metric accumulator of a split's batches: made once, emptied for each pass."""
        acc = self._accumulators.get(batches)
        if acc is None:
            acc = self._accumulators[batches] = self.heads.accumulator(batches.plan.local_size,
                                                                       batches.device)
        else:
            acc.reset()
        return acc

    def _reduce(self, acc, order, targets) -> Evaluation:
        if self.dist is None:
            return acc.result(order, targets)
        return acc.compute(self.dist.all_reduce_sum(acc.totals(order, targets)))

    def _stop_everywhere(self) -> bool:
        import torch

        flag = torch.tensor([1.0 if self.control.stop_requested else 0.0])
        if self.dist.backend == "nccl":
            flag = flag.to(self.placement.device)
        return bool(self.dist.all_reduce_max(flag).item() > 0)

    # ------------------------------------------------------------------ control
    def _control_point(self, allow_stop: bool = True) -> None:
        def pause() -> None:
            self.saver.write_pending()  # a paused run may be closed: its last epoch is on disk
            self.state = "paused"
            self.callbacks.on_pause(self)

        def resume() -> None:
            self.state = RUNNING
            self.callbacks.on_resume(self)

        self.control.checkpoint(self._apply_settings, pause, resume, allow_stop)

    def _apply_settings(self, settings: dict[str, Any]) -> None:
        if "gradient_clip" in settings:
            self.spec.gradient_clip = settings["gradient_clip"]
        apply_update(self.optimizer, self.schedule, settings)
        self.changes.append({"epoch": self.epoch + 1, "step": self.step, "settings": dict(settings)})

    @contextlib.contextmanager
    def evaluating(self):
        """Eval mode and no gradients for a probe's forward pass inside training; restores after."""
        import torch

        was_training = self.module.training
        self.module.eval()
        try:
            with torch.inference_mode(), self._autocast():
                yield self.predictor
        finally:
            if was_training:
                self.module.train()
                self._keep_frozen_in_eval()

    def _keep_frozen_in_eval(self) -> None:
        """Frozen layers with running statistics (BatchNorm) keep them: eval mode."""
        for node_id in self.frozen:
            sub = getattr(self.module, node_id, None)
            if sub is not None:
                sub.eval()

    # ------------------------------------------------------------------ bookkeeping
    def weights_snapshot(self) -> dict[str, Any]:
        """The module's weights copied to the CPU (the best epoch's are kept this way)."""
        return self._copy_weights()

    @property
    def validation_confusion(self):
        """The validation confusion matrix (numpy) of the weights the module holds after ``fit``."""
        return self._confusions.get("final")

    def _restore_final_weights(self) -> None:
        early = self.spec.early_stopping
        if self.best_weights is not None and (early is None or early.restore_best):
            self.module.load_state_dict(self.best_weights)
            self._confusions["final"] = self._confusions.get("best")
        else:
            self._confusions["final"] = self._confusions.get("last")

    def _test_metrics(self) -> dict[str, float] | None:
        split = self.dataset.test
        if split is None or len(split) == 0 or self.placement is None:
            return None
        source = self._eval_source(split, self.placement.device, *(
            (self.dist.rank, self.dist.world) if self.dist else (0, 1)))
        result = self._evaluate(source)
        return result.row("test", self.spec.metrics)

    def _diverged(self, epoch: int, batch: int | None, value: float, where: str = "training",
                  parts=None) -> Diverged:
        lr = base_learning_rate(self.optimizer) if self.optimizer else self.spec.learning_rate
        if self.adversarial is not None:  # say whose loss: the generator's or the discriminator's
            part = self.adversarial.diverged_part(parts)
            lr = self.adversarial.learning_rate_of(self.optimizer, part) if self.optimizer else lr
            where = part + (" validation" if where == "validation" else "")
        kept = self.saver.kept_epoch if self.runs is not None else self.epoch
        self._checkpoint_said = True  # the sentence says which epoch the checkpoint holds
        return Diverged(divergence_message(where, value, epoch, batch, lr, kept))

    def _start_record(self, started: float) -> None:
        if self.runs is None or not self.is_main:
            return
        self.run.record = record.start(self, started, self.run.record)
        self.runs.write("preprocessing.json", record.preprocessing_text(self.dataset))
        self.runs.write_json("run.json", self.run.record)

    def _finish_record(self, status: str, reason: str | None, started: float,
                       test: dict[str, float] | None) -> TrainResult:
        if status in (COMPLETED, STOPPED) and self.adversarial is None:  # a GAN's losses see-saw
            warning = training_warning(self.history)
            if warning:
                reason = f"{reason}; {warning}" if reason else warning
        kept = self.saver.kept_epoch
        if (self.runs is not None and self.is_main and status != COMPLETED and kept < self.epoch
                and not self._checkpoint_said):
            # Failed or interrupted mid-epoch after epochs too short to keep (saving.py).
            self.notes.append(f"the checkpoint holds epoch {kept}: continuing this run goes on from"
                              " there" if kept else "no epoch was kept: there is no checkpoint")
        result = TrainResult(status, reason, self.run_dir, self.epoch,
                             best=self.run.best_row if self.adversarial is None else None,  # GAN: none
                             final=self.run.last_row,
                             test=test, seconds=time.time() - started, notes=list(self.notes))
        if self.runs is not None and self.is_main and self.run.record is not None:
            self.saver.write_pending(run_json=False)  # the last epoch, if not written yet
            if status == COMPLETED and self.best_weights is not None and self.epoch:
                early = self.spec.early_stopping
                if early is not None and not early.restore_best:
                    final, name, epoch = self.weights_snapshot(), self.run_dir.name, self.epoch
                    self.runs.write(WEIGHTS, lambda: record.weights_file(final, name, epoch))
            self.runs.write_json("run.json", record.finished(self.run, result))
            self.runs.close()
        return result


def _head_values(evaluation: Evaluation) -> list[float] | None:
    """An epoch's per-head losses in column order (to say which of a GAN's losses diverged)."""
    return list(evaluation.head_losses.values()) or None
