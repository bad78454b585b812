"""Each kind of contract looked up in a commit's tree (git objects, never the work tree)."""

from __future__ import annotations

import pytest

from ap.core.models import IntegrationContract
from ap.git import Git
from ap.run.contracts import check_contracts
from tests.helpers import make_repo

FILES = {
    "src/auth/jwt.py": (
        "import hmac as _hmac\n"
        "from .keys import load_key\n"
        "LEEWAY = 30\n"
        "try:\n    import fast\nexcept ImportError:\n    fast = None\n"
        "class Claims:\n"
        "    subject: str\n"
        "    def __init__(self):\n        self.expires = 0\n"
        "    def valid(self):\n        return True\n"
        "    class Scope:\n        def allows(self):\n            return True\n"
        "def verify_token(token):\n"
        "    def helper():\n        pass\n"
        "    return Claims()\n"
    ),
    "src/cli.py": 'parser.add_argument("--dry-run", action="store_true")\n',
    "web/api.ts": (
        "export async function fetchUser(id: string) {}\n"
        "export interface User { id: string }\n"
        "const a = 1, b = 2;\nexport { a, b as renamed };\n"
        "export default class Client {}\n"
    ),
    "go/server.go": (
        "package server\n\nfunc Serve() {}\n\ntype Handler struct{}\n\n"
        "func (h *Handler) ServeHTTP() {}\n\nconst (\n\tMaxBody = 10\n)\n"
    ),
    "docs/api.md": "# API\n",
    "src/broken.py": "def oops(:\n",
    "lib/tool.rs": "pub fn parse() {}\n",
}


@pytest.fixture(scope="module")
def commit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Git, str]:
    repo = make_repo(tmp_path_factory.mktemp("contracts") / "repo", FILES)
    for rel in FILES:  # the work tree says nothing: only git objects are read
        (repo.root / rel).unlink()
    return Git(repo.root), repo.git("rev-parse", "HEAD").strip()


KEPT = [
    "src/auth/jwt.py:verify_token",
    "src/auth/jwt.py:Claims",
    "src/auth/jwt.py:LEEWAY",
    "src/auth/jwt.py:load_key",
    "src/auth/jwt.py:_hmac",
    "src/auth/jwt.py:fast",
    "src/auth/jwt.py:Claims.valid",
    "src/auth/jwt.py:Claims.subject",
    "src/auth/jwt.py:Claims.expires",
    "src/auth/jwt.py:Claims.Scope.allows",
    "src/cli.py:--dry-run",
    "web/api.ts:fetchUser",
    "web/api.ts:User",
    "web/api.ts:renamed",
    "web/api.ts:default",
    "go/server.go:Serve",
    "go/server.go:Handler.ServeHTTP",
    "go/server.go:MaxBody",
    "docs/api.md",
    "src/auth",
    "lib/tool.rs:parse",
]

BROKEN = {
    "src/auth/jwt.py:issue_token": "src/auth/jwt.py: it defines no issue_token",
    "src/auth/jwt.py:helper": "src/auth/jwt.py: it defines no helper",
    "src/auth/jwt.py:Claims.revoke": "src/auth/jwt.py: class Claims has no revoke",
    "src/auth/jwt.py:Token.valid": "src/auth/jwt.py: it defines no class Token",
    "src/cli.py:--dry": "src/cli.py: it has no option string '--dry'",
    "web/api.ts:a_missing": "web/api.ts: it exports no a_missing",
    "web/api.ts:b": "web/api.ts: it exports no b",
    "go/server.go:ServeHTTP": "go/server.go: it declares no ServeHTTP",
    "docs/guide.md": "there is no docs/guide.md",
    "src/auth:verify": "src/auth is a folder",
    "src/broken.py:oops": "src/broken.py: it does not parse",
    "lib/tool.rs:render": "lib/tool.rs: the word render is not in it",
}


def _check(commit: tuple[Git, str], symbol: str) -> tuple[bool, str]:
    git, oid = commit
    contract = IntegrationContract(provider="T1", consumer="T2", description="d", symbol=symbol)
    (check,) = check_contracts(git, oid, [contract], branch="ap/p/integration", wave=2)
    return check.passed, check.reason


@pytest.mark.parametrize("symbol", KEPT)
def test_a_kept_contract_passes(commit: tuple[Git, str], symbol: str) -> None:
    assert _check(commit, symbol) == (True, "")


@pytest.mark.parametrize(("symbol", "why"), BROKEN.items())
def test_a_broken_contract_says_what_is_missing(
    commit: tuple[Git, str], symbol: str, why: str
) -> None:
    passed, reason = _check(commit, symbol)
    assert not passed
    assert reason.startswith(
        f"T1 promised {symbol}; not found on ap/p/integration after wave 2 ({why}"
    ), reason


def test_text_contracts_are_not_checked(commit: tuple[Git, str]) -> None:
    git, oid = commit
    text = IntegrationContract(provider="T1", consumer="T2", description="calls issue()")
    assert check_contracts(git, oid, [text], branch="b", wave=1) == []
