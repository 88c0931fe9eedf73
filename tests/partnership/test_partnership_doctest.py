"""The examples in the partnership modules' docstrings run on the sample and hold."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ecosec import api_partnership
from ecosec.engine import agenda, challenges


@pytest.mark.parametrize("module", [api_partnership, challenges, agenda], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
