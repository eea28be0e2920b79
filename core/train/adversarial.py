"""The adversarial step: how the trainer trains a GAN's generator and discriminator in turn.

A GAN (:mod:`core.subnetworks`) is one built module with two Outputs. This module cuts it
into the generator (a module from a noise vector ``z`` to a sample) and the discriminator
(a module from a sample to one logit), both sharing the trained layers, and gives the
:class:`~core.train.trainer.Trainer` what it needs to train them with its own loop:

- **one optimiser with parameter groups for the generator, then the discriminator**, each
  part with its own learning rate, split by the layers' ``lr_multiplier`` as any run's
  groups are (:mod:`core.train.param_groups`), so checkpoints, resuming, pausing, live changes and schedules work as for
  any run. Adam's betas default to (0.5, 0.999), the usual GAN choice, unless set;
- **a step per batch**: ``discriminator_steps`` times, the discriminator learns to score
  the real batch 1 (``1 - label_smoothing``) and a generated one 0, the generator held
  still (its samples detached); then the generator learns to make the discriminator score
  its samples 1 (the non-saturating loss; ``minimax`` minimises log(1 - D(G(z))) instead),
  the discriminator's gradients dropped before the step so that only the generator moves.
  Parameters without a gradient are left alone by every torch optimiser;
- **the epoch's columns**: the generator's and the discriminator's losses, D(x) and D(G(z))
  (the discriminator's mean probability of "real" on real and generated batches) and the
  generated samples' diversity (their mean distance to each other, per value); validation
  computes the same on the validation images and a fixed noise batch, without updates;
- **the last epoch is kept**: a GAN's losses do not say which epoch is best, so every epoch
  counts as the best and early stopping is off;
- **a conditional GAN** (a label Input in both networks, :mod:`core.subnetworks`): both cuts
  take the class label, one-hot, as a second input. The discriminator sees the real images
  with their own labels and the generated ones with the labels the generator was asked
  for, drawn uniformly over the classes for every sample; validation's fixed noise goes
  with the classes in turn.
"""

from __future__ import annotations

import math
from typing import Any

from core.errors import TrainingError
from core.heads import DISCRIMINATOR, GENERATOR
from core.train.param_groups import MULTIPLIER, parameter_multipliers, split_by_multiplier
from core.train.spec import Adversarial, TrainSpec
from core.train.tracker import BestTracker

#: The key of each optimiser group saying whose weights it holds: ``generator`` or ``discriminator``.
PART = "gan_part"

#: Adam's betas for a GAN unless ``training.betas`` is set (Radford et al., DCGAN).
GAN_BETAS = (0.5, 0.999)
#: Samples of a batch whose distances to each other make the diversity column.
DIVERSITY_SAMPLES = 16
#: Why a GAN's run keeps its last epoch (run.json's reason, the CLI's summary).
KEEPS_LAST = ("a GAN keeps its last epoch's weights: the generator's and the discriminator's"
              " losses pull against each other and do not say which epoch is best, so there is"
              " no best epoch and no early stopping")

#: Why a GAN is not trained data-parallel (the CLI says it before starting any process).
ONE_PROCESS = ("a GAN trains in one process: its generator and discriminator take turns on"
               " each batch, which data-parallel training (--nproc above 1) does not do; train"
               " it without --nproc")


def _label_input(network) -> str | None:
    """The label Input (a :class:`~core.layers.torch_modules.ClassLabel`) of a cut network."""
    from core.layers.torch_modules import ClassLabel

    return next((str(n.target) for n in network.graph.nodes if n.op == "call_module"
                 and isinstance(network.get_submodule(n.target), ClassLabel)), None)


class LastEpoch(BestTracker):
    """Every epoch is 'the best': the run keeps the last one, and never stops early."""

    def __init__(self) -> None:
        super().__init__("val_loss", None)

    def update(self, row: dict[str, Any]) -> bool:
        self.best_epoch = row["epoch"]
        return True


class AdversarialTraining:
    """The GAN parts of one run: made by the trainer when its heads are a generator and a
    discriminator (:meth:`create`), set up once the module is on its device (:meth:`setup`)."""

    def __init__(self, settings: Adversarial, generator_id: str, discriminator_id: str) -> None:
        self.settings = settings
        self.generator_id, self.discriminator_id = generator_id, discriminator_id
        self.generator = self.discriminator = None  # modules sharing the trained layers
        self.noise_size = 0
        self.generator_params: list = []
        self.discriminator_params: list = []
        self._fixed: dict[tuple[int, str], Any] = {}
        self._seed = 0
        self._autocast = None
        self.last_parts = None  # the last step's columns (to say which loss diverged)
        self.classes = 0  # a conditional GAN's class count (0: not conditional)

    # ------------------------------------------------------------------ making
    @classmethod
    def create(cls, heads, spec: TrainSpec, notes: list[str], distributed=None) -> "AdversarialTraining":
        """The GAN's settings, with the defaults a GAN needs put into ``spec`` (betas, no early
        stopping); refuses training in several processes with one sentence."""
        if distributed is not None:
            raise TrainingError(ONE_PROCESS)
        if spec.adversarial is None:
            spec.adversarial = Adversarial()
        if "betas" not in spec.given:
            spec.betas = GAN_BETAS
        if spec.early_stopping is not None:
            if "early_stopping" in spec.given:
                notes.append("training.early_stopping is ignored: " + KEEPS_LAST)
            spec.early_stopping = None
        generator = next(h.node_id for h in heads.heads if h.target == GENERATOR)
        discriminator = next(h.node_id for h in heads.heads if h.target == DISCRIMINATOR)
        return cls(spec.adversarial, generator, discriminator)

    def setup(self, trainer) -> None:
        """Cut the generator and discriminator out of ``trainer.module`` (on its device)."""
        import torch

        from core.build import head_network
        from core.generate import decoder_network, with_label_input
        from core.layers.torch_modules import Noise

        module = trainer.module
        generator_head = head_network(module, self.generator_id)
        noise = [n for n in generator_head.graph.nodes if n.op == "call_module"
                 and isinstance(generator_head.get_submodule(n.target), Noise)]
        if len(noise) != 1:  # shape inference refuses this first; a hand-built module may not
            raise TrainingError(f"the generator (Output '{self.generator_id}') must start from one"
                                " noise Input")
        self.noise_size = generator_head.get_submodule(noise[0].target).size
        discriminator_head = head_network(module, self.discriminator_id)
        g_label, d_label = _label_input(generator_head), _label_input(discriminator_head)
        if g_label is not None and d_label is not None:  # a conditional GAN
            self.classes = int(module.get_submodule(g_label).classes)
            self.generator = decoder_network(generator_head, str(noise[0].target), g_label)
            self.discriminator = with_label_input(discriminator_head, d_label)
        else:
            self.generator = decoder_network(generator_head, str(noise[0].target))
            self.discriminator = discriminator_head
        module.train()  # the cuts above put the shared layers in eval mode
        mine = {id(p) for p in self.generator.parameters()}
        theirs = {id(p) for p in self.discriminator.parameters()}
        trainable = [p for p in module.parameters() if p.requires_grad]
        self.generator_params = [p for p in trainable if id(p) in mine]
        self.discriminator_params = [p for p in trainable if id(p) in theirs]
        self._multipliers = parameter_multipliers(module, trainer.lr_multipliers)
        if not self.generator_params or not self.discriminator_params:
            which = "generator" if not self.generator_params else "discriminator"
            raise TrainingError(f"the {which} has no weights to train (its layers are frozen or"
                                " have none): a GAN trains both networks")
        self._seed = trainer.spec.seed
        self._autocast = trainer._autocast
        self._device = torch.device(trainer.placement.device)

    def param_groups(self, spec: TrainSpec) -> list[dict[str, Any]]:
        """The optimiser's groups: the generator's first, then the discriminator's, each at its
        rate, and each split by the layers' ``lr_multiplier`` (:mod:`core.train.param_groups`).
        Every group carries :data:`PART`: whose it is."""
        settings = self.settings
        groups = [{"params": self.generator_params, PART: "generator",
                   "lr": settings.generator_learning_rate or spec.learning_rate},
                  {"params": self.discriminator_params, PART: "discriminator",
                   "lr": settings.discriminator_learning_rate or spec.learning_rate}]
        return split_by_multiplier(groups, lambda p: self._multipliers.get(id(p), 1.0), spec.learning_rate)

    @staticmethod
    def tracker() -> LastEpoch:
        return LastEpoch()

    # ------------------------------------------------------------------ losses
    def _losses(self, real_logits, fake_logits):
        """The discriminator's loss on a real and a generated batch (one-sided smoothing)."""
        import torch
        from torch.nn.functional import binary_cross_entropy_with_logits as bce

        real_target = torch.full_like(real_logits, 1.0 - self.settings.label_smoothing)
        return bce(real_logits, real_target) + bce(fake_logits, torch.zeros_like(fake_logits))

    def generator_loss(self, fake_logits):
        """Non-saturating: -log D(G(z)); minimax: log(1 - D(G(z))) (flat where D wins)."""
        import torch
        from torch.nn.functional import binary_cross_entropy_with_logits as bce

        if self.settings.loss == "minimax":
            return -bce(fake_logits, torch.zeros_like(fake_logits))
        return bce(fake_logits, torch.ones_like(fake_logits))

    def noise(self, count: int, like):
        import torch

        return torch.randn(count, self.noise_size, device=like.device,
                           dtype=like.dtype if like.is_floating_point() else torch.float32)

    # ------------------------------------------------------------------ conditioning
    def _labels(self, y, count: int, like):
        """(the real batch's labels, the labels asked of the generator), one-hot; (None, None)
        for an unconditional GAN. The generator's are drawn uniformly over the classes."""
        import torch

        from core.generate import one_hot

        if not self.classes:
            return None, None
        asked = torch.randint(self.classes, (count,), device=like.device)
        return one_hot(y, self.classes, like), one_hot(asked, self.classes, like)

    def generate(self, z, label=None):
        """The generator's samples of noise ``z`` (and one-hot ``label``: a conditional GAN)."""
        return self.generator(z) if label is None else self.generator(z, label)

    def judge(self, x, label=None):
        """The discriminator's logits for samples ``x`` (and one-hot ``label``)."""
        return self.discriminator(x) if label is None else self.discriminator(x, label)

    # ------------------------------------------------------------------ training
    def train_step(self, trainer, x, y=None):
        """One batch (``y``: its class labels, read by a conditional GAN): the discriminator's
        steps, then the generator's; returns (the sum of both losses, the columns' values as
        one tensor)."""
        import torch

        optimizer, count = trainer.optimizer, x.shape[0]
        steps = self.settings.discriminator_steps
        for step in range(steps):
            optimizer.zero_grad(set_to_none=True)
            last = step == steps - 1
            with self._autocast():
                z = self.noise(count, x)
                real_label, fake_label = self._labels(y, count, x)
                if last:  # kept with its graph: the generator's step reuses these samples
                    fake = self.generate(z, fake_label)
                    held = fake.detach()
                else:
                    with torch.no_grad():
                        held = self.generate(z, fake_label)
                real_logits = self.judge(x, real_label)
                fake_logits = self.judge(held, fake_label)
                loss_d = self._losses(real_logits, fake_logits)
            self._update(trainer, loss_d)
        d_grads = [p.grad for p in self.discriminator_params]
        optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            loss_g = self.generator_loss(self.judge(fake, fake_label))
        self._update(trainer, loss_g, drop=self.discriminator_params)
        for param, grad in zip(self.discriminator_params, d_grads):
            param.grad = grad  # the discriminator's own step's gradients, for the probes
        with torch.no_grad():
            parts = self._columns(loss_g, loss_d, real_logits, fake_logits, held)
        self.last_parts = parts
        return (loss_g + loss_d).detach(), parts

    def _update(self, trainer, loss, drop=()) -> None:
        """Backward, forget ``drop``'s gradients, clip, step (through the scaler in fp16)."""
        scaler = trainer.scaler
        (scaler.scale(loss) if scaler is not None else loss).backward()
        for param in drop:
            param.grad = None
        if scaler is not None:
            trainer._clip(unscale=True)
            scaler.step(trainer.optimizer)
            scaler.update()
        else:
            if trainer.spec.gradient_clip is not None:
                trainer._clip()
            trainer.optimizer.step()

    def _columns(self, loss_g, loss_d, real_logits, fake_logits, fake):
        import torch

        return torch.stack([loss_g.detach().float(), loss_d.detach().float(),
                            torch.sigmoid(real_logits.float()).mean(),
                            torch.sigmoid(fake_logits.float()).mean(), diversity(fake)])

    # ------------------------------------------------------------------ evaluating
    def fixed_noise(self, count: int, device):
        """The same ``count`` noise vectors every epoch (seeded by the run's seed), so that the
        validation columns compare epochs rather than draws; the global RNG is not touched."""
        import torch

        key = (count, str(device))
        if key not in self._fixed:
            generator = torch.Generator().manual_seed(self._seed + 7919)
            noise = torch.randn(count, self.noise_size, generator=generator)
            self._fixed = {key: noise.to(device)}  # one split at a time is enough
        return self._fixed[key]

    def fixed_labels(self, start: int, stop: int, like):
        """The classes asked of the generator with validation's fixed noise rows ``start`` to
        ``stop``: every class in turn (one-hot); None for an unconditional GAN."""
        import torch

        from core.generate import one_hot

        if not self.classes:
            return None
        return one_hot(torch.arange(start, stop, device=like.device) % self.classes, self.classes, like)

    def evaluate_batch(self, x, z, y=None, start: int = 0):
        """The columns for a real batch ``x`` (labels ``y``) and noise ``z`` (the fixed noise's
        rows from ``start``), without updates."""
        from core.generate import one_hot

        real_label = one_hot(y, self.classes, x) if self.classes else None
        fake_label = self.fixed_labels(start, start + x.shape[0], x)
        real_logits = self.judge(x, real_label)
        fake = self.generate(z.to(x.dtype) if x.is_floating_point() else z, fake_label)
        fake_logits = self.judge(fake, fake_label)
        loss_d = self._losses(real_logits, fake_logits)
        loss_g = self.generator_loss(fake_logits)
        return loss_g + loss_d, self._columns(loss_g, loss_d, real_logits, fake_logits, fake)

    # ------------------------------------------------------------------ diverging
    def diverged_part(self, parts=None) -> str:
        """``generator's`` or ``discriminator's``: whose loss broke (the last step's columns, or
        an epoch's). D(x) reads no generated sample, so a broken D(x) is the discriminator's."""
        parts = self.last_parts if parts is None else parts
        if parts is not None:
            loss_g, loss_d, d_real = (float(v) for v in list(parts)[:3])
            if not math.isfinite(d_real) or (math.isfinite(loss_g) and not math.isfinite(loss_d)):
                return "discriminator's"
        return "generator's"

    def learning_rate_of(self, optimizer, part: str) -> float:
        """The rate of ``part`` (``generator's`` or ``discriminator's``), without layer multipliers."""
        wanted = "discriminator" if part.startswith("discriminator") else "generator"
        groups = optimizer.param_groups
        group = next((g for g in groups if g.get(PART) == wanted), groups[0])
        return group["lr"] / group.get(MULTIPLIER, 1.0)


def diversity(samples):
    """The mean distance between the first :data:`DIVERSITY_SAMPLES` samples, as a root mean
    square per value (0: all the same picture, mode collapse; about 0.3-0.5 for different
    28×28 shapes)."""
    import torch

    flat = samples[:DIVERSITY_SAMPLES].detach().float().reshape(min(len(samples), DIVERSITY_SAMPLES), -1)
    count = flat.shape[0]
    if count < 2:
        return flat.new_zeros(())
    distances = torch.cdist(flat, flat)
    return distances.sum() / (count * (count - 1)) / math.sqrt(flat.shape[1])

