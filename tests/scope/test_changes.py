from __future__ import annotations

from ap.scope import Change, check_changes
from ap.scope.changes import resolve_symlink

TOUCH = ["src/auth/", "tests/test_auth.py"]
FORBID = [".github/workflows/", "docs/plans/", "src/auth/secrets/"]
REPORT = "docs/sessions/P/T1.md"


def check(*changes: Change, **kwargs: object) -> list[str]:
    found = check_changes(
        changes,
        touch=TOUCH,
        forbid=FORBID,
        always_allowed=[REPORT],
        **kwargs,  # type: ignore[arg-type]
    )
    return [v.describe() for v in found]


def test_in_scope_changes_pass() -> None:
    assert (
        check(
            Change("A", "src/auth/jwt.py"),
            Change("M", "tests/test_auth.py"),
            Change("D", "src/auth/old.py", old_mode="100644", new_mode="000000"),
            Change("T", "src/auth/run.sh", old_mode="100644", new_mode="100755"),
            Change("A", REPORT),
        )
        == []
    )


def test_every_status_outside_scope_is_refused() -> None:
    for status in "AMDT":
        assert check(Change(status, "src/api/x.py")) == ["src/api/x.py: outside scope_touch"]


def test_rename_counts_both_sides() -> None:
    found = check(Change("R", "src/auth/moved.py", old_path="src/api/orig.py"))
    assert found == ["src/api/orig.py: outside scope_touch"]


def test_forbid_beats_touch_and_case_variants_are_caught() -> None:
    assert check(Change("A", "src/auth/secrets/key.pem"))[0].startswith(
        "src/auth/secrets/key.pem: forbidden by 'src/auth/secrets/'"
    )
    found = check(Change("A", ".GitHub/Workflows/ci.yml"))
    assert found == [".GitHub/Workflows/ci.yml: forbidden by '.github/workflows/'"]
    assert check(Change("M", "docs/plans/PLAN_x.md"))[0].startswith(
        "docs/plans/PLAN_x.md: forbidden"
    )


def test_case_sensitive_mode_checks_exact_case() -> None:
    assert check(Change("A", "SRC/auth/x.py"), case_sensitive=True) == [
        "SRC/auth/x.py: outside scope_touch"
    ]
    assert check(Change("A", "SRC/auth/x.py")) == []


def test_symlinks_must_stay_inside_repository_and_scope() -> None:
    def link(target: str) -> Change:
        return Change("A", "src/auth/link", new_mode="120000", symlink_target=target)

    assert check(link("jwt.py")) == []
    assert "outside the repository" in check(link("../../../etc/passwd"))[0]
    assert "outside the repository" in check(link("/etc/passwd"))[0]
    assert "outside scope_touch" in check(link("../api/x.py"))[0]
    assert "forbidden" in check(link("../../.github/workflows/ci.yml"))[0]


def test_gitlinks_are_refused_unless_allowed() -> None:
    sub = Change("A", "src/auth/vendor", new_mode="160000")
    assert check(sub) == ["src/auth/vendor: gitlinks (submodules) are not allowed"]
    assert check(sub, allow_gitlinks=True) == []


def test_non_nfc_paths_are_refused() -> None:
    nfd = "src/auth/cafe\u0301.py"
    assert check(Change("A", nfd)) == [f"{nfd}: path is not in Unicode NFC form"]


def test_paths_that_are_not_utf8_are_refused() -> None:
    raw = b"src/auth/caf\xe9.py".decode("utf-8", "surrogateescape")
    assert check(Change("A", raw)) == [f"{raw}: path is not valid UTF-8"]


def test_resolve_symlink() -> None:
    assert resolve_symlink("a/b/link", "../c") == "a/c"
    assert resolve_symlink("link", "..") is None
    assert resolve_symlink("a/link", "..") is None
    assert resolve_symlink("a/link", "") is None
