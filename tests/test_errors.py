"""The error tree: every exception class lives in sheetsync.errors, drawn in its docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import sheetsync
from sheetsync import errors

_NODE = re.compile(r"^(?P<lead>[│├└─ ]*)(?P<name>[A-Z]\w+)\s{2,}")


def _drawn_parents() -> dict[str, str | None]:
    """Each class in the docstring's tree → the class drawn above it (None at a root)."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        found = _NODE.match(line)
        if not found:
            continue
        depth = len(found.group("lead"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[found.group("name")] = stack[-1][1] if stack else None
        stack.append((depth, found.group("name")))
    return parents


def _own_exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(sheetsync.__path__, "sheetsync."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_exception_class_is_defined_in_the_errors_module() -> None:
    defined = _own_exception_classes()
    assert defined, "the package defines no exception class at all?"
    assert {name for name in defined if not name.startswith("sheetsync.errors.")} == set()


def test_the_docstring_draws_every_class_under_its_real_base() -> None:
    parents = _drawn_parents()
    classes = {
        name: value
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }
    assert set(classes) <= set(parents)
    for name, cls in classes.items():
        [base] = cls.__bases__
        drawn = parents[name] or "Exception"  # a root of the tree derives from Exception
        assert base.__name__ == drawn, f"{name} derives from {base.__name__}, drawn under {drawn}"


def test_parsing_errors_stay_value_errors_and_everything_else_is_a_sheetsync_error() -> None:
    assert issubclass(errors.Unparseable, ValueError)
    assert issubclass(errors.InvalidDomain, ValueError)
    assert issubclass(errors.BootstrapError, ValueError)
    for cls in (errors.StateError, errors.NotifierError, errors.SyncBusy, errors.GaveUp):
        assert issubclass(cls, errors.SheetsyncError)
