"""Every service says which role may call it, and a user of the other role is refused before
anything is looked at or written (app/services/base/roles.py states the rule)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import app.services
from app.domain.errors import PermissionDenied
from app.services.base.roles import ANY_ROLE, ROLE_NAMES
from app.services.base.workspace import init_database, open_workspace
from tests.conftest import PASSPHRASE
from tests.helpers_ledger import snapshot

SERVICES = Path(app.services.__file__).parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(app.services.__path__, prefix="app.services."):
        yield importlib.import_module(info.name)


def _takes_workspace(fn: Callable[..., Any]) -> bool:
    params = list(inspect.signature(fn).parameters.values())
    if not params:
        return False
    annotation = params[0].annotation
    return annotation == "Workspace" or getattr(annotation, "__name__", None) == "Workspace"


def _services() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for module in _modules():
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__ or not _takes_workspace(fn):
                continue
            found.append((f"{module.__name__}.{name}", fn))
    return sorted(found, key=lambda held: held[0])


SERVICE_FUNCTIONS = _services()
GUARDED = [(name, fn) for name, fn in SERVICE_FUNCTIONS
           if getattr(fn, "required_role", None) not in (None, ANY_ROLE)]


def test_the_walk_finds_the_services() -> None:
    names = {name for name, _fn in SERVICE_FUNCTIONS}
    assert len(names) > 100
    for expected in ("app.services.village.collect.collect_household",
                     "app.services.township.books.settle_book",
                     "app.services.upkeep.verify.verify_workspace",
                     "app.services.views.listings.list_receipts"):
        assert expected in names
    assert len(GUARDED) > 40


@pytest.mark.parametrize(("name", "fn"), SERVICE_FUNCTIONS, ids=[n for n, _ in SERVICE_FUNCTIONS])
def test_every_service_declares_its_role(name: str, fn: Callable[..., Any]) -> None:
    role = getattr(fn, "required_role", None)
    assert role == ANY_ROLE or role in ROLE_NAMES, \
        f"{name} declares no role: add @requires_role(ROLE, \"动作\") or @any_role"
    if role != ANY_ROLE:
        assert CHINESE.search(fn.role_action), f"{name}: the action is named in Chinese"


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory):
    """One empty database per role, opened once for every refusal below."""
    folder = tmp_path_factory.mktemp("roles")
    opened = {}
    for role, user in (("collector", "李会计"), ("township", "王所长")):
        path = folder / f"{role}.db"
        init_database(path, user=user, role=role, passphrase=PASSPHRASE, village="3404220010")
        opened[role] = open_workspace(path, user=None, passphrase=PASSPHRASE)
    yield opened
    for ws in opened.values():
        ws.close()


def _dummies(fn: Callable[..., Any]) -> tuple[list[Any], dict[str, Any]]:
    """Something for every required argument after the workspace: the role is checked
    before any of them is looked at, so their values never matter."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in list(inspect.signature(fn).parameters.values())[1:]:
        if param.default is not inspect.Parameter.empty or param.kind in (
                param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind == param.KEYWORD_ONLY:
            kwargs[param.name] = None
        else:
            args.append(None)
    return args, kwargs


@pytest.mark.parametrize(("name", "fn"), GUARDED, ids=[n for n, _ in GUARDED])
def test_the_other_role_is_refused_and_nothing_is_written(workspaces, name: str,
                                                          fn: Callable[..., Any]) -> None:
    role = fn.required_role
    other = next(r for r in ROLE_NAMES if r != role)
    ws = workspaces[other]
    before = snapshot(ws)
    args, kwargs = _dummies(fn)
    with pytest.raises(PermissionDenied) as refused:
        fn(ws, *args, **kwargs)
    message = refused.value.message
    assert message.startswith(f"只有{ROLE_NAMES[role]}可以{fn.role_action}"), message
    assert ws.user in message and CHINESE.search(message)
    assert snapshot(ws) == before, f"{name} wrote something before refusing"


def _imports_of_privates(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_service_reaches_into_another_modules_privates() -> None:
    """A private function is its module's own: none is imported elsewhere to do, unchecked,
    what a public service would check."""
    offenders = {str(p.relative_to(SERVICES)): _imports_of_privates(p)
                 for p in SERVICES.rglob("*.py")}
    assert {p: names for p, names in offenders.items() if names} == {}


def test_roles_are_tested_in_one_place() -> None:
    """Only roles.py compares a user's role: every other check goes through it."""
    pattern = re.compile(r"\.role\s*(==|!=|in|not in)\s*[\"'(]")
    offenders = [str(p.relative_to(SERVICES)) for p in SERVICES.rglob("*.py")
                 if p.name != "roles.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
