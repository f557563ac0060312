"""Imports sit at the top of their module, where the import-linter contracts see the layers.

An import placed inside a function usually dodges an import cycle, and hides a dependency from
a reader. The only ones allowed are those Django's app loading needs: inside an
``AppConfig.ready()``, or marked by a comment saying so (``# Django's app loading: ...``) on the
line above, for code that runs before the app registry is ready.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "tsunagari",
    "website",
    "reports",
    "certificates",
    "quizzes",
    "courses",
    "organizations",
    "base",
]


def function_level_imports(source: str) -> list[int]:
    """Line numbers of imports inside functions of ``source``, except the allowed ones."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name == "ready":
            continue
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Import | ast.ImportFrom):
                continue
            above = lines[inner.lineno - 2] if inner.lineno >= 2 else ""
            if "app loading" in above or "app loading" in lines[inner.lineno - 1]:
                continue
            found.append(inner.lineno)
    return sorted(set(found))


def project_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_imports_inside_functions():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in project_modules()
        for line in function_level_imports(path.read_text())
    ]
    assert offenders == [], "move these imports to the top of their module:\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from courses.models import CoursePage\n", [2]),
        ("def f():\n    import zipfile\n", [2]),
        ("class C:\n    def ready(self):\n        from . import receivers\n", []),
        ("def f():\n    # Django's app loading: models exist only now.\n    from x import y\n", []),
        ("from courses.models import CoursePage\n\n\ndef f():\n    return CoursePage\n", []),
    ],
)
def test_the_scan_tells_function_level_imports(source, expected):
    assert function_level_imports(source) == expected
