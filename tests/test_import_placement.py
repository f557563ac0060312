"""Imports sit at the top of their module (issue #16): an import inside a function hides a
dependency from import-linter and usually dodges a cycle that should be broken instead.

The one exception is an app's ``AppConfig.ready()``, where Django's app loading requires that
checks, receivers and models be imported only once every app is ready; each such import has a
comment that says so.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_PARTS = {"migrations", "seed_content"}


def _packages():
    """The project's own packages: every top-level directory holding an app or the project
    (tests and benchmarks are scripts, not part of the layered code)."""
    return sorted(path.parent for path in ROOT.glob("*/apps.py"))


def _modules():
    for package in _packages():
        for path in sorted(package.rglob("*.py")):
            if SKIPPED_PARTS.isdisjoint(path.relative_to(ROOT).parts):
                yield path


def _function_imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield node, inner


def test_imports_are_at_module_level_except_in_app_ready():
    misplaced = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        for function, statement in _function_imports(ast.parse(source)):
            if path.name == "apps.py" and function.name == "ready":
                continue
            misplaced.append(f"{path.relative_to(ROOT)}:{statement.lineno} in {function.name}()")
    assert misplaced == [], "imports inside functions:\n" + "\n".join(misplaced)


def test_imports_in_ready_say_why():
    silent = []
    for path in ROOT.glob("*/apps.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for function, statement in _function_imports(ast.parse("\n".join(lines))):
            if function.name != "ready":
                continue
            body = lines[function.lineno : statement.lineno]
            if not any(line.strip().startswith("#") for line in body):
                silent.append(f"{path.relative_to(ROOT)}:{statement.lineno}")
    assert silent == [], "ready() imports without a comment saying why:\n" + "\n".join(silent)
