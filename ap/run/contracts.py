"""Checking integration contracts on a wave's merged tree, read from git objects.

After a wave's branches are combined, and before its merge commit is written
(:func:`ap.run.merge.merge_wave`), every named contract whose provider is being
merged is looked up in the candidate tree: a file by its path, a Python name
through the AST of the blob (functions, classes, assignments and imports at
module level; ``Class.member`` in the class body or as ``self.member``), a
JavaScript/TypeScript export, a Go declaration, a flag as an option string in
the file. The working tree is never read. A provider whose contract is broken
is failed and left out of the merge (so its dependants are blocked, never
started); contracts without a symbol stay text and are not checked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath

from ap.core.events import event
from ap.core.models import ContractCheck, Event, IntegrationContract
from ap.git import Git
from ap.plan.contracts import Reference, parse_reference

_PYTHON = frozenset({".py", ".pyi"})
_JS = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
_JS_DECLARED = re.compile(
    r"\bexport\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?"
    r"(?:function\s*\*?|class|const|let|var|interface|type|enum|namespace)\s+([\w$]+)"
)
_JS_LIST = re.compile(r"\bexport\s+(?:type\s+)?\{([^}]*)\}")
_JS_DEFAULT = re.compile(r"\bexport\s+default\b")
_GO_DECLARED = re.compile(
    r"^(?:func\s+(?:\(\s*\w*\s*\*?\s*(?P<recv>\w+)[^)]*\)\s*)?|type\s+|var\s+|const\s+)"
    r"(?P<name>\w+)",
    re.M,
)
_GO_GROUPED = re.compile(r"^(?:var|const|type)\s*\(([^)]*)\)", re.M)


def _python_top(tree: ast.Module) -> Iterator[str]:
    """Names bound at module level, also inside top-level ``if``/``try`` blocks."""
    queue: list[ast.stmt] = list(tree.body)
    while queue:
        node = queue.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from ((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            yield from _assigned(node)
        for block in ("body", "orelse", "finalbody", "handlers"):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                queue += [n for n in getattr(node, block, []) if isinstance(n, ast.stmt)]


def _assigned(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> Iterator[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        for leaf in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
            if isinstance(leaf, ast.Name):
                yield leaf.id


def _python_class(body: Sequence[ast.stmt], name: str) -> ast.ClassDef | None:
    return next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)


def _class_members(node: ast.ClassDef) -> set[str]:
    """What a class body defines, and every ``self.x`` its methods assign."""
    names: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
        elif isinstance(item, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            names.update(_assigned(item))
    attributes = (n for n in ast.walk(node) if isinstance(n, ast.Attribute))
    for found in attributes:
        stored = isinstance(found.ctx, ast.Store)
        if stored and isinstance(found.value, ast.Name) and found.value.id == "self":
            names.add(found.attr)
    return names


def _python_has(text: str, name: str) -> str | None:
    """None when the module defines ``name`` (``A.b``: a member of class A), else why not."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        return f"it does not parse: {exc}"
    head, *members = name.split(".")
    if not members:
        return None if head in set(_python_top(tree)) else f"it defines no {name}"
    owner, node = head, _python_class(tree.body, head)
    for member in members:
        if node is None:
            return f"it defines no class {owner}"
        if member not in _class_members(node):
            return f"class {owner} has no {member}"
        owner, node = member, _python_class(node.body, member)
    return None


def _js_exports(text: str) -> set[str]:
    names = set(_JS_DECLARED.findall(text))
    for listed in _JS_LIST.findall(text):
        for item in listed.split(","):
            words = item.split()
            if words:
                names.add(words[-1])  # `a as b` exports b
    if _JS_DEFAULT.search(text):
        names.add("default")
    return names


def _go_declared(text: str) -> set[str]:
    names = set()
    for match in _GO_DECLARED.finditer(text):
        receiver = match.group("recv")
        names.add(f"{receiver}.{match.group('name')}" if receiver else match.group("name"))
    for group in _GO_GROUPED.findall(text):
        names.update(line.split()[0] for line in group.splitlines() if line.split())
    return names


def _flag_found(text: str, flag: str) -> bool:
    """An option string: the flag right after a quote, ended by a quote, ``=`` or a space."""
    return re.search(rf"[\"'`]{re.escape(flag)}(?=[\"'`=\s,])", text) is not None


def name_problem(path: str, text: str, name: str) -> str | None:
    """None when the file ``path`` with content ``text`` provides ``name``, else why not."""
    suffix = PurePosixPath(path).suffix.lower()
    if name.startswith("-"):
        return None if _flag_found(text, name) else f"it has no option string {name!r}"
    if suffix in _PYTHON:
        return _python_has(text, name)
    if suffix in _JS:
        return None if name in _js_exports(text) else f"it exports no {name}"
    if suffix == ".go":
        return None if name in _go_declared(text) else f"it declares no {name}"
    found = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text)
    return None if found else f"the word {name} is not in it"


def _problem(found: tuple[str, str, bytes] | None, ref: Reference) -> str | None:
    if found is None:
        return f"there is no {ref.path}"
    if ref.name is None:
        return None
    if found[1] != "blob":
        return f"{ref.path} is a folder"
    problem = name_problem(ref.path, found[2].decode("utf-8", "replace"), ref.name)
    return None if problem is None else f"{ref.path}: {problem}"


def check_contracts(
    git: Git, tree: str, contracts: Sequence[IntegrationContract], *, branch: str, wave: int
) -> list[ContractCheck]:
    """Each named contract looked up in ``tree`` (a tree or commit id), in order."""
    named = [(c, parse_reference(c.symbol)) for c in contracts if c.symbol]
    refs = list(dict.fromkeys(r for _, r in named if r is not None))
    objects = git.read_objects([f"{tree}:{r.path}" for r in refs]) if refs else []
    problems = {r: _problem(found, r) for r, found in zip(refs, objects, strict=True)}
    checks = []
    for contract, ref in named:
        problem = problems[ref] if ref is not None else "it is not a reference ap can check"
        reason = ""
        if problem is not None:
            reason = (
                f"{contract.provider} promised {contract.symbol}; not found on {branch} "
                f"after wave {wave} ({problem})"
            )
        checks.append(
            ContractCheck(
                provider=contract.provider,
                consumer=contract.consumer,
                symbol=str(contract.symbol),
                passed=problem is None,
                reason=reason,
            )
        )
    return checks


def _kept(check: ContractCheck) -> str:
    to = f" to {check.consumer}" if check.consumer else ""
    return f"contract kept: {check.provider} provides {check.symbol}{to}"


def contract_event(check: ContractCheck, wave: int | None) -> Event:
    """``contract_checked`` or ``contract_broken`` (DESIGN.md §7), with the check's fields."""
    return event(
        "contract_checked" if check.passed else "contract_broken",
        "merge",
        wave=wave,
        ok=check.passed,
        message=f"contract broken: {check.reason}" if not check.passed else _kept(check),
        **check.model_dump(mode="json"),
    )
