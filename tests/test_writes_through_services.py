"""Writes only through services: no ORM write outside the modules allowed to write.

The project's Python code is read with ``ast`` (nothing is imported or run) and every call of
an ORM write method (``WRITE_METHODS``) is a finding, unless

- the file is one of ``ALLOWED_PATHS`` (services, the bulk loaders, migrations, management
  commands, demo-data seeding, benchmarks, tests), or the call is in ``ALLOWLIST``;
- or the call cannot be an ORM write (the rules of ``_Scanner.orm_write_method``):

  * positional arguments: Django's ORM writes take keyword arguments (``QuerySet.create``,
    ``update``, ``get_or_create``, ``update_or_create``; ``Model.save``'s positional arguments
    are deprecated since Django 5.1; ``delete()`` is called with none), except
    ``bulk_create``/``bulk_update``, which are always ORM writes. So ``dict.update(other)``,
    ``set.update(items)``, ``storage.save(name, file)``, ``cache.delete(key)`` and
    ``workbook.save(output)`` are not findings;
  * ``save(commit=False)`` (a ``ModelForm`` building an unsaved instance) and
    ``save=False`` (a ``FieldFile`` writing to storage without touching the row);
  * ``super().save(...)`` / ``super().delete(...)`` in the method of the same name (an override
    handing over to Django; what the override itself writes is scanned like anything else);
  * a receiver that is a storage or a cache (a name ending in ``storage``, ``cache``,
    ``caches[...]``), one of ``NON_ORM_RECEIVERS``, a template context (``context_data``), or
    a name bound in the same function or module to a dict (a literal, a comprehension,
    ``dict(...)``, ``get_context_data(...)``/``get_context(...)``), also through a plain alias.
"""

import ast
import fnmatch
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

WRITE_METHODS = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# Always ORM writes, whatever their arguments.
BULK_METHODS = {"bulk_create", "bulk_update"}

# Where writes are allowed (``fnmatch`` patterns on the path from the repository root).
ALLOWED_PATHS = [
    "*/services.py",
    "*/services/*.py",
    "reports/tallies.py",  # the tallies' own bookkeeping rows, rebuilt in bulk
    "base/bulk.py",  # the bulk loader (imports and demo data)
    "*/migrations/*",
    "*/management/commands/*",
    # Demo-data seeding.
    "*/demo/*",
    "*/seed_content/*",
    # Benchmarks build their own data, as seeding does, on a throwaway database.
    "bench/*",
    "tests/*",
    "conftest.py",
]

# Receivers whose ``save()`` is not the ORM's; each with the reason.
NON_ORM_RECEIVERS = {
    "canvas": "a reportlab canvas: save() writes the PDF (certificates/pdf.py)",
}

# ORM writes allowed outside services: (path, function) -> reason. Keep it short.
ALLOWLIST = {
    ("base/task_lease.py", "*"): "task-queue bookkeeping (heartbeats), not domain data",
    ("base/tasks_db_adapter.py", "*"): "the task runner's own result rows (django_tasks)",
    ("base/pages.py", "ensure_root_page"): "Wagtail's tree root after a flush (seeding)",
    ("events/cards.py", "issue_card"): "a card's completion, inside the events service's "
    "transaction that issues it (shared by check-in and paper cards)",
}

SKIPPED_DIRECTORIES = {".git", ".venv", "node_modules", "__pycache__", "static"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    code: str

    def __str__(self):
        return f"{self.path}:{self.line} in {self.function}: {self.code}"


def _is_dict_value(node: ast.AST) -> bool:
    if isinstance(node, ast.Dict | ast.DictComp):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "dict":
            return True
        if isinstance(func, ast.Attribute) and func.attr in ("get_context_data", "get_context"):
            return True
    return False


def _bindings(body) -> dict[str, list[ast.AST]]:
    """The values assigned to plain names in ``body`` (not in nested functions or classes)."""
    found: dict[str, list[ast.AST]] = {}

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                found.setdefault(node.target.id, []).append(node.value)
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []) or [])

    visit(body)
    return found


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, source: str, tree: ast.Module):
        self.path = path
        self.source = source
        self.findings: list[Finding] = []
        self.names: list[str] = []
        self.scopes = [_bindings(tree.body)]  # innermost last

    def _scoped(self, node, *, function: bool):
        self.names.append(node.name)
        if function:
            self.scopes.append(_bindings(node.body))
        self.generic_visit(node)
        if function:
            self.scopes.pop()
        self.names.pop()

    def visit_ClassDef(self, node):
        self._scoped(node, function=False)

    def visit_FunctionDef(self, node):
        self._scoped(node, function=True)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _bound_to_dict(self, name: str, depth: int = 0) -> bool:
        if depth > 3:
            return False
        for scope in (self.scopes[-1], self.scopes[0]):
            values = scope.get(name)
            if values:
                return all(
                    _is_dict_value(v)
                    or (isinstance(v, ast.Name) and self._bound_to_dict(v.id, depth + 1))
                    for v in values
                )
        return False

    def orm_write_method(self, call: ast.Call) -> str | None:
        """None when ``call`` cannot be an ORM write, else the method called."""
        method = call.func.attr
        receiver = call.func.value
        keywords = {k.arg for k in call.keywords}
        if method in BULK_METHODS:
            return method
        if any(not isinstance(arg, ast.Starred) for arg in call.args):
            return None
        if method == "save" and any(
            k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        ):
            return None
        if "save" in keywords and method in ("save", "delete"):
            return None  # FieldFile.save/delete(save=False): storage only
        if (
            isinstance(receiver, ast.Call)
            and isinstance(receiver.func, ast.Name)
            and receiver.func.id == "super"
            and self.names
            and self.names[-1] == method
        ):
            return None
        tail = None
        if isinstance(receiver, ast.Name):
            tail = receiver.id
        elif isinstance(receiver, ast.Attribute):
            tail = receiver.attr
        elif isinstance(receiver, ast.Subscript) and isinstance(receiver.value, ast.Name):
            tail = receiver.value.id
        if tail is not None:
            if tail.endswith("storage") or tail in ("cache", "caches", "context_data"):
                return None
            if tail in NON_ORM_RECEIVERS:
                return None
        if isinstance(receiver, ast.Name) and self._bound_to_dict(receiver.id):
            return None
        return method

    def visit_Call(self, node):
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITE_METHODS
            and self.orm_write_method(node) is not None
        ):
            self.findings.append(
                Finding(
                    self.path,
                    node.lineno,
                    ".".join(self.names) or "<module>",
                    ast.get_source_segment(self.source, node) or ast.unparse(node),
                )
            )
        self.generic_visit(node)


def scan_source(path: str, source: str) -> list[Finding]:
    """The ORM writes of one module's ``source`` (``path`` from the repository root), whether
    or not the path is allowed to write."""
    tree = ast.parse(source)
    scanner = _Scanner(path, source, tree)
    scanner.visit(tree)
    return scanner.findings


def path_allowed(path: str) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in ALLOWED_PATHS)


def allowlisted(finding: Finding) -> bool:
    return (finding.path, finding.function) in ALLOWLIST or (finding.path, "*") in ALLOWLIST


def project_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRECTORIES or part.startswith(".") for part in relative.parts):
            continue
        yield relative.as_posix(), path


def stray_writes() -> tuple[list[Finding], set]:
    """The findings outside the allowed places, and the allowlist entries that were used."""
    stray, used = [], set()
    for relative, path in project_files():
        if path_allowed(relative):
            continue
        for finding in scan_source(relative, path.read_text(encoding="utf-8")):
            if allowlisted(finding):
                used.add((finding.path, finding.function))
                used.add((finding.path, "*"))
            else:
                stray.append(finding)
    return stray, used


def test_no_orm_write_outside_services():
    stray, _used = stray_writes()
    assert not stray, "ORM writes outside services (move them into a service):\n" + "\n".join(
        str(f) for f in stray
    )


def test_every_allowlist_entry_is_still_needed():
    _stray, used = stray_writes()
    assert set(ALLOWLIST) <= used, f"unused allowlist entries: {set(ALLOWLIST) - used}"


def test_the_scan_covers_the_apps():
    scanned = {relative.split("/")[0] for relative, _path in project_files()}
    assert {"courses", "certificates", "organizations", "quizzes", "reports"} <= scanned


# The scanner itself -------------------------------------------------------------------------


def _findings(code: str, path: str = "courses/views.py") -> list[str]:
    return [f.code for f in scan_source(path, textwrap.dedent(code))]


@pytest.mark.parametrize(
    "code",
    [
        "Foo.objects.create(name='x')",
        "Foo.objects.filter(pk=1).update(name='x')",
        "Foo.objects.filter(pk=1).delete()",
        "foo.save()",
        "foo.save(update_fields=['name'])",
        "foo.delete()",
        "form.save()",
        "Foo.objects.bulk_create(rows)",
        "Foo.objects.bulk_update(rows, ['name'])",
        "Foo.objects.get_or_create(name='x')",
        "Foo.objects.update_or_create(name='x', defaults={})",
        "Foo.objects.create(**fields)",
        "self.object.save()",
    ],
)
def test_a_stray_write_in_a_view_is_found(code):
    snippet = f"""
    def my_view(request):
        {code}
    """
    assert _findings(snippet) == [code]
    assert not path_allowed("courses/views.py")


def test_a_stray_write_fails_the_project_check(tmp_path, monkeypatch):
    view = tmp_path / "courses" / "views.py"
    view.parent.mkdir()
    view.write_text("def my_view(request):\n    Foo.objects.create(name='x')\n")
    service = tmp_path / "courses" / "services.py"
    service.write_text("def foo_create():\n    Foo.objects.create(name='x')\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    stray, _used = stray_writes()
    assert [str(f) for f in stray] == [
        "courses/views.py:2 in my_view: Foo.objects.create(name='x')"
    ]


@pytest.mark.parametrize(
    "snippet",
    [
        # dicts and sets
        "def f(a):\n    a.update(other)",
        "def f():\n    seen = set()\n    seen.update(x for x in range(3))",
        "def f():\n    memo = {'a': 1}\n    memo.update(a=2)",
        "MEMO = {'a': 1}\n\ndef f():\n    memo = MEMO\n    memo.update(a=2)",
        "class V:\n    def get_context_data(self, **kwargs):\n"
        "        context = super().get_context_data(**kwargs)\n        context.update(a=1)",
        "def f(response):\n    response.context_data.update(a=1)",
        # storages, caches, files, documents
        "def f(name):\n    default_storage.delete(name)",
        "def f(name):\n    self.storage.save(name, content)",
        "def f(key):\n    cache.delete(key)",
        "def f(export):\n    export.file.save('a.zip', content, save=False)",
        "def f(export):\n    export.file.delete(save=False)",
        "def f():\n    canvas.save()",
        "def f(output):\n    workbook.save(output)",
        # forms and overrides
        "def f(form):\n    form.save(commit=False)",
        "class M:\n    def save(self, *args, **kwargs):\n        super().save(*args, **kwargs)",
    ],
)
def test_what_is_not_an_orm_write_is_not_found(snippet):
    assert _findings(snippet) == []


def test_a_dict_name_does_not_hide_an_orm_write_of_the_same_name_elsewhere():
    snippet = """
    def f():
        rows = {}
        rows.update(a=1)

    def g(rows):
        rows.update(status='done')
    """
    assert _findings(snippet) == ["rows.update(status='done')"]


def test_super_save_outside_its_override_is_found():
    snippet = """
    class M:
        def publish(self):
            super().save()
    """
    assert _findings(snippet) == ["super().save()"]


@pytest.mark.parametrize(
    "path,allowed",
    [
        ("courses/services.py", True),
        ("courses/services/assignments.py", True),
        ("reports/tallies.py", True),
        ("base/bulk.py", True),
        ("reports/demo/seed.py", True),
        ("courses/migrations/0001_initial.py", True),
        ("reports/management/commands/generate_demo_activity.py", True),
        ("courses/seed_content/staff.py", True),
        ("tests/courses/test_x.py", True),
        ("courses/views.py", False),
        ("courses/viewsets.py", False),
        ("organizations/resources.py", False),
        ("reports/models.py", False),
    ],
)
def test_allowed_paths(path, allowed):
    assert path_allowed(path) is allowed
