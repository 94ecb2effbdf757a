"""How a village is named wherever a person reads it: its 村名, never its 10-digit code.

Names come from the township's village table (the ``village_names`` setting: the targets
file's 村名 column, ``yibao township village-name``, the progress page's 设置村名) and, in a
village, its own ``village_name`` setting (:func:`app.services.views.coverage.village_names`).
A code nobody has named yet is shown as the code, so nothing is hidden.

Every screen and paper formats a village through :meth:`VillageNames.label`; a page asks for
:func:`village_namer` once with its data, not once a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.views.coverage import village_names


@dataclass(frozen=True)
class VillageNames:
    """村代码 → 村名, read once; plain data, safe to hand from the worker to the screen."""

    names: Mapping[str, str] = field(default_factory=dict)

    def label(self, code: str | None, group: str = "") -> str:
        """"东关村", with the 村民小组 after it ("东关村一组"); the code when it has no name."""
        code = code or ""
        return f"{self.names.get(code) or code}{group}"


@any_role
def village_namer(ws: Workspace) -> VillageNames:
    """The names this database knows, for labelling many rows."""
    return VillageNames(village_names(ws))


@any_role
def village_label(ws: Workspace, code: str | None, group: str = "") -> str:
    """One village's name (with its group): "寿春镇东关村一组", or the code when unknown."""
    return village_namer(ws).label(code, group)
