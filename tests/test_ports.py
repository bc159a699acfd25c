"""Each port module holds its Protocols and its value types, nothing that does the work."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from typing import Protocol

import pytest

PORTS = ["sheetsync.sheets.port", "sheetsync.domains.port", "sheetsync.notify.port",
         "sheetsync.state.port"]  # fmt: skip


@pytest.mark.parametrize("name", PORTS)
def test_a_port_defines_only_protocols_and_frozen_value_types(name: str) -> None:
    module = importlib.import_module(name)
    own = [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == name]
    assert own, f"{name} defines no class"
    for cls in own:
        is_protocol = Protocol in cls.__mro__[1:] and getattr(cls, "_is_protocol", False)
        is_value = dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert is_protocol or is_value, f"{name}.{cls.__name__} is an implementation"
