"""Odoo's own runner (``--test-tags``) runs only the test modules that an addon's
``tests/__init__.py`` imports: every ``test_*.py`` must be imported there."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ["ar_analytics", "ar_analytics_xlsx"]


def imported_modules(init):
    """The names imported by ``from . import a, b`` statements of an ``__init__.py``."""
    tree = ast.parse(init.read_text())
    return {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
        for alias in node.names
    }


@pytest.mark.parametrize("addon", ADDONS)
def test_every_test_module_is_imported(addon):
    tests = ROOT / addon / "tests"
    modules = {path.stem for path in tests.glob("test_*.py")}
    assert modules, f"{addon} has no test module"
    missing = sorted(modules - imported_modules(tests / "__init__.py"))
    assert not missing, f"{addon}/tests/__init__.py does not import {missing}"
