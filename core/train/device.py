"""Which device trains, in which precision, and what is present on this machine."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import TrainingError


@dataclass
class Placement:
    """The resolved device and precision, with sentences about what was changed."""

    device: str
    precision: str  # float32, bf16 or fp16 (mixed precision, CUDA only)
    notes: list[str] = field(default_factory=list)

    @property
    def amp_dtype(self):
        import torch

        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)

    @property
    def device_type(self) -> str:
        return self.device.split(":")[0]


def available_devices() -> list[str]:
    """Devices this machine can train on, for a device selector: ``auto`` first."""
    import torch

    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        devices.append("mps")
    return devices


def describe_device(device: str) -> str:
    """A short human name: ``CPU (2 threads)``, ``NVIDIA H100 (cuda:0)``."""
    import torch

    if device.startswith("cuda"):
        index = int(device.split(":")[1]) if ":" in device else torch.cuda.current_device()
        return f"{torch.cuda.get_device_name(index)} (cuda:{index})"
    if device == "mps":
        return "Apple GPU (mps)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


def device_report() -> dict:
    """torch's version, the devices present (without ``auto``) with their names, and what
    ``auto`` picks: what the designer's device selector shows (it asks a subprocess, see
    ``designer.devices``)."""
    import torch

    devices = [[d, describe_device(d)] for d in available_devices() if d != "auto"]
    return {"torch_version": torch.__version__, "devices": devices, "auto": resolve("auto", "float32").device}


def free_memory(device: str) -> tuple[int | None, str]:
    """Bytes free now on ``device`` (``auto`` as :func:`resolve` picks it) and words for where:
    the GPU's free memory for CUDA, the system's available RAM otherwise (MPS shares it)."""
    import torch

    from core.memory import available_system_memory

    if device == "auto" and torch.cuda.is_available():
        device = "cuda"
    if device.startswith("cuda") and torch.cuda.is_available():
        index = int(device.split(":")[1]) if ":" in device else torch.cuda.current_device()
        if index < torch.cuda.device_count():
            free, _total = torch.cuda.mem_get_info(index)
            return int(free), f"on the GPU {describe_device(f'cuda:{index}')}"
    return available_system_memory(), "on this computer"


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve(device: str, precision: str) -> Placement:
    """Resolve ``auto`` (CUDA, then MPS, then CPU) and check the device exists.

    Mixed precision runs on CUDA only; elsewhere training falls back to float32 and
    says so in ``notes``.
    """
    import torch

    notes: list[str] = []
    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda:0"
        elif _mps_available():
            device = "mps"
        else:
            device = "cpu"
    elif device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise TrainingError(f"training.device is {device!r} but this machine has no CUDA GPU"
                                " that PyTorch can use: choose 'auto' or 'cpu'")
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise TrainingError(f"training.device is {device!r} but this machine has"
                                f" {torch.cuda.device_count()} CUDA GPU(s): choose"
                                f" 'cuda:0' to 'cuda:{torch.cuda.device_count() - 1}'")
        device = f"cuda:{index}"
    elif device == "mps" and not _mps_available():
        raise TrainingError("training.device is 'mps' but this machine has no Apple GPU that"
                            " PyTorch can use: choose 'auto' or 'cpu'")
    if precision != "float32" and not device.startswith("cuda"):
        notes.append(f"training.precision {precision!r} (mixed precision) needs a CUDA GPU;"
                     f" training on {device} in float32 instead")
        precision = "float32"
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        notes.append("this GPU does not support bf16: training in fp16 mixed precision instead")
        precision = "fp16"
    return Placement(device, precision, notes)


def uses_channels_last(module, input_shape) -> bool:
    """Image input into 2-D convolutions: keep weights and batches channels-last (NHWC)."""
    import torch

    return len(tuple(input_shape)) == 3 and any(
        isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) for m in module.modules())
