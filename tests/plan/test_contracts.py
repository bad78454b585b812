"""Contract references in integration points, and who provides them to whom."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from ap.core.config import ApConfig
from ap.core.models import ObjectiveSpec
from ap.plan.build import build_plan
from ap.plan.contracts import Reference, parse_reference, references

FORBID = ApConfig().effective_global_forbid()


def test_each_kind_of_reference() -> None:
    assert parse_reference("src/auth/jwt.py:verify_token") == Reference(
        "src/auth/jwt.py", "verify_token"
    )
    assert parse_reference("jwt.py:Claims.subject") == Reference("jwt.py", "Claims.subject")
    assert parse_reference("src/cli.py:--dry-run") == Reference("src/cli.py", "--dry-run")
    assert parse_reference("web/api.ts:fetchUser") == Reference("web/api.ts", "fetchUser")
    assert parse_reference("docs/api.md") == Reference("docs/api.md")
    assert parse_reference("/docs/api/") == Reference("docs/api")
    assert [r.kind for r in map(parse_reference, ["a.py:f", "a.py:--x", "a/b"]) if r] == [
        "symbol",
        "flag",
        "file",
    ]


def test_plain_words_and_calls_are_not_references() -> None:
    for text in ("verify_token", "T1", "auth.jwt.issue(user)", "a b.py", "src/*.py:f", "../x.py"):
        assert parse_reference(text) is None, text
    assert references("calls `issue(user)` of T1 and `verify_token`") == []
    point = "`src/a.py:f` and `src/a.py:f` then `docs/x.md`"
    assert [str(r) for r in references(point)] == ["src/a.py:f", "docs/x.md"]


SEGMENT = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=8)
NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z_][A-Za-z0-9_]{0,8})?", fullmatch=True)


@given(st.lists(SEGMENT, min_size=1, max_size=3), SEGMENT, st.none() | NAME)
def test_a_reference_round_trips_through_its_text(
    folders: list[str], stem: str, name: str | None
) -> None:
    path = "/".join([*folders, f"{stem}.py"])
    ref = Reference(path, name)
    assert parse_reference(str(ref)) == ref
    assert references(f"before `{ref}` after") == [ref]


@given(st.text(max_size=60))
def test_any_text_parses_without_error(text: str) -> None:
    for ref in references(text):
        assert parse_reference(str(ref)) == ref


def _plan(*specs: ObjectiveSpec):  # type: ignore[no-untyped-def]
    return build_plan(specs, plan_id="20261125-x", request="x", global_forbid=FORBID)


def test_the_provider_is_the_dependency_that_touches_the_path() -> None:
    p = _plan(
        ObjectiveSpec(id="T1", title="auth", scope_touch=["src/auth/"]),
        ObjectiveSpec(id="T2", title="db", scope_touch=["src/db/"]),
        ObjectiveSpec(
            id="T3",
            title="api",
            scope_touch=["src/api/"],
            depends_on=["T1", "T2"],
            integration_points=["`src/auth/jwt.py:verify_token` returns the claims"],
        ),
    )
    found = {(c.provider, c.consumer, c.symbol) for c in p.integration_contracts}
    assert found == {("T1", "T3", "src/auth/jwt.py:verify_token"), ("T2", "T3", None)}


def test_a_provider_promise_goes_to_each_dependant_and_unknown_paths_stay_text() -> None:
    p = _plan(
        ObjectiveSpec(
            id="T1",
            title="auth",
            scope_touch=["src/auth/"],
            integration_points=["provides `src/auth/jwt.py:Claims`", "`lib/other.py:x` exists"],
        ),
        ObjectiveSpec(
            id="T2", title="api", scope_touch=["src/api/"], depends_on=["T1"],
            integration_points=["uses T1"],
        ),
        ObjectiveSpec(id="T3", title="lone", scope_touch=["src/lone/"],
                      integration_points=["offers `src/lone/x.py:--fast`"]),
    )  # fmt: skip
    found = {(c.provider, c.consumer, c.symbol) for c in p.integration_contracts}
    assert found == {
        ("T1", "T2", "src/auth/jwt.py:Claims"),
        ("T3", "", "src/lone/x.py:--fast"),
    }


def test_validate_refuses_contracts_a_hand_edit_made_uncheckable() -> None:
    from ap.core.models import IntegrationContract
    from ap.plan.validate import validate_plan

    p = _plan(
        ObjectiveSpec(id="T1", title="auth", scope_touch=["src/auth/"]),
        ObjectiveSpec(id="T2", title="db", scope_touch=["src/db/"]),
        ObjectiveSpec(
            id="T3", title="api", scope_touch=["src/api/"], depends_on=["T1"],
            integration_points=["`src/auth/jwt.py:verify` is there"],
        ),
    )  # fmt: skip
    assert validate_plan(p).valid
    edits = {
        "f(x)": "not a reference ap can check",
        "src/db/x.py:f": "T1 cannot provide src/db/x.py:f: its scope_touch does not cover",
    }
    for symbol, message in edits.items():
        p.integration_contracts = [
            IntegrationContract(provider="T1", consumer="T3", description="d", symbol=symbol)
        ]
        (violation,) = validate_plan(p).violations
        assert violation.rule == "contract_invalid" and message in violation.message
    p.integration_contracts = [
        IntegrationContract(provider="T2", consumer="T3", description="d", symbol="src/db/x.py:f")
    ]
    (violation,) = validate_plan(p).violations
    assert "T3 does not depend on T2, so it may start before src/db/x.py:f merges" in (
        violation.message
    )
