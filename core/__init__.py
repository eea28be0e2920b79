"""LayerForge core: network designs as data, shape inference, build, data, training, export.

Nothing in this package imports Qt (a test enforces it), and importing it does not
import torch: heavy modules are imported where they are used.
"""

__version__ = "0.1.0"
