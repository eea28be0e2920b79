"""A ResNet-18-like network, small enough to import in seconds: a stem, four stages of two
residual blocks (the first of each later stage downsamples), pooling and a classifier.
Written out as a ``.py`` model file by the tests (no torchvision needed)."""

SOURCE = '''
import torch
from torch import nn

INPUT_SHAPE = (3, 32, 32)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + identity)


class ResNetLike(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        cin = 8
        for i, width in enumerate([8, 16, 32, 64]):
            stride = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, width, stride),
                                                         BasicBlock(width, width)))
            cin = width
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))
'''

BLOCKS = [f"layer{stage}.{block}" for stage in range(1, 5) for block in range(2)]


def write(folder):
    """``resnet_like.py`` in ``folder``; its path."""
    path = folder / "resnet_like.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def module():
    """The network itself (eval mode), for an ONNX export."""
    namespace: dict = {}
    exec(compile(SOURCE, "resnet_like.py", "exec"), namespace)  # noqa: S102 - our own test code
    return namespace["ResNetLike"]().eval()
