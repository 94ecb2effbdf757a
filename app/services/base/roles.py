"""Who may call which service: every service declares it, one way, checked in one place.

The rule: every public function (no leading underscore) in ``app.services.{base, village,
views, papers, township, exchange, upkeep}`` whose first parameter is a ``Workspace`` carries
exactly one of these decorators:

``@requires_role(ROLE, "中文动作名")``
    Only a user of ``ROLE`` (a key of ``ROLE_NAMES``) may call it. Anyone else gets
    ``PermissionDenied`` ("只有财政所可以核销票据（当前用户：李会计）") before any argument is
    looked at and before anything is read or written. The role is kept on the function as
    ``required_role`` (and the action as ``role_action``).

``@any_role``
    Any signed-in user may call it (``required_role`` is ``ANY_ROLE``): read models, papers
    drawn from what the database holds, settings, verify, backup and sync, and the actions
    both roles take on the database they hold (loading a policy, importing a roster).

Which role: the village's money, receipts, books and roster edits are the collector's, and
so is taking in what the township or the county certified for the village (their feeds);
the office's books, bank credits, matching, targets, certifications and its view of the
villages' ledgers (``load_ledger`` and everything built on it) are the township's. Any role
may read, print, export, verify, back up and sync, load a policy, and add a person or import
a roster (with their row writers ``insert_household``/``insert_person``): a township user does
those to bring in the categories it certifies (``add_person(categories=…)``, an import into a
village's or its own database), and the categories stay the township's.

Functions that take no ``Workspace`` declare nothing: they open or create one
(``open_workspace``, ``init_database``, ``restore_database``) or touch no database (fee sums,
certificate checks). A check that depends on the arguments (a category given while adding a
person) asks through ``require_role`` too, and a service that does less for other users (a
roster import keeps categories only for the township) through ``has_role``: nothing else
tests ``Workspace.role`` for permission, and no module calls another's private function to
write what a declared role guards. ``tests/test_roles.py`` walks every service and holds
them to this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from app.domain.errors import PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])

ROLE_NAMES = {"collector": "收款员", "township": "财政所"}
ANY_ROLE = "any"


class _SignedIn(Protocol):
    """What a check reads of a ``Workspace`` (which imports this module, so not named)."""

    user: str
    role: str


def require_role(ws: _SignedIn, role: str, action: str) -> None:
    """Refuse (``PermissionDenied``) unless the signed-in user has ``role``."""
    if ws.role != role:
        raise PermissionDenied(f"只有{ROLE_NAMES[role]}可以{action}（当前用户：{ws.user}）")


def has_role(ws: _SignedIn, role: str) -> bool:
    """Whether the signed-in user has ``role``, for a service that does less (rather than
    refusing) for other users: a roster import keeps its categories only for the township."""
    return ws.role == role


def requires_role(role: str, action: str) -> Callable[[F], F]:
    """Only ``role`` may call the decorated service; ``action`` names it in the refusal."""
    if role not in ROLE_NAMES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def checked(ws: _SignedIn, *args: Any, **kwargs: Any) -> Any:
            require_role(ws, role, action)
            return fn(ws, *args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        checked.role_action = action  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def any_role(fn: F) -> F:
    """Any signed-in user may call the decorated service (nothing is checked)."""
    fn.required_role = ANY_ROLE  # type: ignore[attr-defined]
    return fn
