"""The inspector dock: ``panel.Inspector`` and its generated ``editors.ParamEditor`` widgets."""

from designer.inspector.editors import ParamEditor
from designer.inspector.panel import Inspector

__all__ = ["Inspector", "ParamEditor"]
