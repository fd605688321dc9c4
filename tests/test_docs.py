"""The examples in hybridrt's docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hybridrt

MODULES = sorted(m.name for m in pkgutil.walk_packages(hybridrt.__path__, "hybridrt."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
