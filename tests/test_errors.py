"""Every exit-2 error of ap (a user mistake) tells the user what to do next: a `hint:`.

The package is read with ``ast``: each construction of an exit-2 error class must pass
``hint=`` (not None). The few where no hint makes sense are listed with the reason, so a
new error without a hint fails here.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import ap
from ap.core import errors

PACKAGE = Path(ap.__file__).parent

# (file, enclosing function): how many exit-2 errors there build without a hint, and why.
NO_HINT: dict[tuple[str, str], tuple[int, str]] = {
    ("ap/plan/spec.py", "_objective_ids"): (
        1,
        "reads the ids for a better message and swallows every error: none reaches the user",
    ),
    ("ap/git/trees.py", "_open"): (
        1,
        "a guard on ap's own callers (they write folders file by file): no user input "
        "reaches it, so there is nothing for the user to do",
    ),
}


def _error_classes() -> dict[str, int]:
    """Every ApError subclass defined in ap/, by name, with its exit code."""
    import importlib
    import inspect
    import pkgutil

    found: dict[str, int] = {}
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="ap."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, errors.ApError):
                found[name] = value.exit_code
    return found


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _yamlio_reader(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "yamlio"
        and func.attr in ("parse", "validate", "load_model")
    )


def _has_hint(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg is None:  # **kwargs: trust it
            return True
        if keyword.arg == "hint":
            return not (isinstance(keyword.value, ast.Constant) and keyword.value.value is None)
    return False


class _Finder(ast.NodeVisitor):
    def __init__(self, usage_errors: set[str]) -> None:
        self.usage_errors = usage_errors
        self.where: list[str] = ["<module>"]
        self.missing: list[tuple[str, int, str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.where.append(node.name)
        self.generic_visit(node)
        self.where.pop()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.visit_FunctionDef(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _called_name(node)
        # `error(...)` is yamlio's error class parameter (ConfigError, ArtifactError, ...);
        # yamlio's readers raise it, so their callers say what the hint is.
        if (name in self.usage_errors or name == "error" or _yamlio_reader(node)) and not _has_hint(
            node
        ):
            self.missing.append((self.where[-1], node.lineno, str(name)))
        self.generic_visit(node)


def _errors_without_hint() -> dict[tuple[str, str], list[str]]:
    usage = {name for name, code in _error_classes().items() if code == errors.EXIT_USAGE}
    assert {"ApError", "UsageError", "ConfigError", "ArtifactError", "GitError"} <= usage
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        finder = _Finder(usage)
        finder.visit(ast.parse(path.read_text(encoding="utf-8")))
        relpath = path.relative_to(PACKAGE.parent).as_posix()
        for function, line, name in finder.missing:
            found.setdefault((relpath, function), []).append(f"{relpath}:{line} {name}(...)")
    return found


def test_every_exit_2_error_has_a_hint() -> None:
    found = _errors_without_hint()
    unexplained = [
        where
        for key, wheres in found.items()
        if NO_HINT.get(key, (0, ""))[0] != len(wheres)
        for where in wheres
    ]
    assert not unexplained, (
        "exit-2 errors without hint= (give one, or allow-list why):\n" + "\n".join(unexplained)
    )


def test_the_allow_list_has_no_stale_entries() -> None:
    found = Counter({key: len(wheres) for key, wheres in _errors_without_hint().items()})
    stale = [key for key, (count, _) in NO_HINT.items() if found[key] != count]
    assert not stale
