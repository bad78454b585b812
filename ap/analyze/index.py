"""An index of the files at HEAD: language, words, Python symbols and imports, tests.

Built from one ``git ls-tree`` and one ``git cat-file --batch``, and cached under the
git directory keyed by the tree id, so a second run on the same commit is fast.
"""

from __future__ import annotations

import ast
import os
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from ap.analyze.text import bag, words
from ap.git import Git

CACHE_VERSION = 8  # 6: ap's managed sections left out; 7: marshal shards
MAX_BYTES = 400_000
MAX_PARSE = 200_000  # a larger Python file (generated, vendored) is read for words only
LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".svelte": "svelte",
    ".vue": "vue",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".rb": "ruby",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".md": "markdown",
    ".rst": "rst",
    ".txt": "text",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".cfg": "ini",
    ".ini": "ini",
    ".html": "html",
    ".css": "css",
    ".sh": "shell",
}
_JS_LANGUAGES = frozenset({"javascript", "typescript", "svelte", "vue"})
_JS_IMPORT = re.compile(r"""(?:import\s[^'"]*from\s*|import\s*\(|require\()\s*['"]([^'"]+)['"]""")
# import a, { b, c as d } from 'm' / import type { T } from 'm' / import * as ns from 'm'
_JS_NAMED = re.compile(r"""\bimport\s+(?:type\s+)?([\w$*{},\s]+?)\s*from\s*['"]([^'"]+)['"]""")
_JS_NAME = re.compile(r"(?:\*\s*as\s+)?([\w$]+)(?:\s+as\s+[\w$]+)?")
_TEST_FOLDERS = frozenset({"tests", "test", "testing"})
_CODE_FOLDERS = frozenset({"lib", "src"})  # test/lib/…: the test tooling's own product code
_JS_EXPORT = re.compile(
    r"export\s+(?:default\s+)?(?:async\s+)?(?:function|class|const|let|var)\s+(\w+)"
)
_GO_PACKAGE = re.compile(r"^package\s+(\w+)", re.M)
# A section ap manages in README/PRD/AGENTS (ap/state/sections.py): ap's words about past
# requests, not the file's own, so it would match every request like them.
_MANAGED = re.compile(r"<!-- ap:([\w.-]+) -->.*?<!-- /ap:\1 -->", re.S)


@dataclass
class FileInfo:
    path: str
    language: str
    size: int
    terms: dict[str, int] = field(default_factory=dict)
    symbols: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # methods and attributes of its classes
    doc: str = ""
    bases: list[str] = field(default_factory=list)  # the classes its classes derive from

    @property
    def is_test(self) -> bool:
        """A test: named as one, or inside a tests folder but not in its ``lib``/``src``."""
        name = self.path.rpartition("/")[2]  # not PurePosixPath: this runs for every file
        if name.startswith("test_") or name.endswith(
            ("_test.py", "_test.go", ".test.ts", ".test.js", ".spec.ts", ".spec.js")
        ):
            return True
        folders = self.path.split("/")[:-1]
        for n, folder in enumerate(folders):
            if folder in _TEST_FOLDERS:
                return not _CODE_FOLDERS.intersection(folders[n + 1 : n + 2])
        return False


@dataclass
class RepoIndex:
    tree: str
    files: dict[str, FileInfo]

    def module_paths(self) -> dict[str, str]:
        """Python dotted module name → path, for resolving imports (computed once)."""
        return self._modules

    @cached_property
    def _modules(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for path, info in self.files.items():
            if info.language != "python":
                continue
            parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for start in range(len(parts)):  # src/pkg/mod.py is also pkg.mod
                if parts[start:]:
                    out.setdefault(".".join(parts[start:]), path)
        return out


def _python(info: FileInfo, text: str) -> None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    doc = ast.get_docstring(tree) or ""
    info.doc = doc.strip().splitlines()[0][:160] if doc.strip() else ""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            info.symbols.append(node.name)
        if isinstance(node, ast.ClassDef):
            info.members += _members(node)
            info.bases += [_last_name(b) for b in node.bases if _last_name(b)]
        elif isinstance(node, ast.Assign):
            info.symbols += [
                t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()
            ]
    for found in _statements(tree.body):  # every import, also inside functions; ``self.x =``
        if isinstance(found, ast.Import):
            info.imports += [a.name for a in found.names]
        elif isinstance(found, ast.ImportFrom):
            info.imports += _from_import(info.path, found)
        elif isinstance(found, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            info.members += _self_attributes(found)
    info.members = list(dict.fromkeys(info.members))


def _last_name(node: ast.expr) -> str:
    """``Base`` of ``Base`` and of ``module.Base`` (what a subclass names); else ""."""
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The statements of a module at any depth, in order; expressions are never entered.

    Walking statements only (not every node, as ``ast.walk`` does) is what keeps
    indexing a large tree fast: imports and assignments are statements.
    """
    queue: deque[ast.AST] = deque(body)
    while queue:
        node = queue.popleft()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                queue.extend(block)


def _self_attributes(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[str]:
    """``x`` of each ``self.x`` the statement assigns (also in ``self.a, self.b = …``)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    flat: list[ast.expr] = []
    for target in targets:
        flat += target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    return [
        t.attr
        for t in flat
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    ]


def _members(node: ast.ClassDef) -> list[str]:
    """The names a class body defines: methods, nested classes and class attributes."""
    names: list[str] = []
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(item.name)
        elif isinstance(item, ast.Assign):
            names += [t.id for t in item.targets if isinstance(t, ast.Name)]
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.append(item.target.id)
    return names


def _from_import(path: str, node: ast.ImportFrom) -> list[str]:
    if node.level:  # relative: resolved against the importing file's package
        base = ".".join(path.split("/")[: -node.level])
        module = f"{base}.{node.module}" if node.module else base
    elif node.module:
        module = node.module
    else:
        return []
    return [module, *(f"{module}.{a.name}" for a in node.names)]


def _js_imports(text: str) -> list[str]:
    """Imported modules, and ``module.name`` for each name imported from one."""
    found = list(_JS_IMPORT.findall(text))
    for clause, module in _JS_NAMED.findall(text):
        found += [f"{module}.{name}" for name in _JS_NAME.findall(clause) if name != "type"]
    return list(dict.fromkeys(found))


def _describe(path: str, data: bytes) -> FileInfo:
    ext = os.path.splitext(path)[1].lower()
    info = FileInfo(path=path, language=LANGUAGES.get(ext, "other"), size=len(data))
    text = "" if b"\0" in data[:8000] else data[:MAX_BYTES].decode("utf-8", "replace")
    counts = bag(_MANAGED.sub("", text) if "<!-- ap:" in text else text)
    for word in words(path.replace("/", " ")):  # the path's own words weigh more
        counts[word] += 3
    if info.language == "python" and len(text) <= MAX_PARSE:
        _python(info, text)
    elif info.language in _JS_LANGUAGES:
        info.imports = _js_imports(text)
        info.symbols = _JS_EXPORT.findall(text)
    elif info.language == "go":
        info.symbols = _GO_PACKAGE.findall(text)[:1]
    info.terms = dict(counts)
    return info


def build_index(git: Git) -> RepoIndex:
    """The index of HEAD's tree; only files whose content the cache has not seen are read.

    A commit that changes one file re-reads that file, not the tree (see cache.py).
    """
    from ap.analyze.cache import load_index, save_index

    tree = git.tree_id("HEAD")
    if tree is None:
        return RepoIndex(tree="", files={})
    cached_tree, cached = load_index(git, CACHE_VERSION, FileInfo)
    if cached_tree == tree:
        return RepoIndex(tree, {p: info for p, (_, info) in cached.items()})
    entries = [(oid, path) for mode, oid, path in git.ls_tree("HEAD") if mode != "120000"]
    kept = {p: cached[p] for oid, p in entries if p in cached and cached[p][0] == oid}
    missing = sorted({oid for oid, p in entries if p not in kept})
    blobs = git.read_blobs(missing) if missing else {}
    files: dict[str, tuple[str, FileInfo]] = {
        path: kept[path] if path in kept else (oid, _describe(path, blobs.get(oid, b"")))
        for oid, path in entries
    }
    save_index(git, CACHE_VERSION, tree, files, cached)
    return RepoIndex(tree, {p: info for p, (_, info) in files.items()})
