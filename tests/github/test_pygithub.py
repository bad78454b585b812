"""PyGithubApi against the local fake, with the real PyGithub."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ap.core.errors import EXIT_USAGE, ApError
from ap.github.api import GitHubApi, GitHubError, has_permission, status_marker
from ap.github.pygithub import PyGithubApi
from tests.github.fake_api import FakeGitHub

PLAN = "20260101-add-login"
SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


def test_it_satisfies_the_protocol(api: PyGithubApi) -> None:
    implementation: GitHubApi = api
    assert implementation.default_branch() == "main"


def test_get_issue(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue("Add login", "Please add it", ("ap-request", "bug"), author="alice")
    issue = api.get_issue(n)
    assert (issue.number, issue.title, issue.body) == (n, "Add login", "Please add it")
    assert issue.labels == ("ap-request", "bug")
    assert issue.author == "alice"


def test_an_issue_without_body_has_an_empty_one(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue()
    fake_github.issues[n]["body"] = None
    assert api.get_issue(n).body == ""


def test_a_missing_issue_is_a_github_error(api: PyGithubApi) -> None:
    with pytest.raises(GitHubError) as caught:
        api.get_issue(99)
    assert caught.value.status == 404
    assert "issue #99" in caught.value.message
    assert caught.value.exit_code == EXIT_USAGE


def test_labels_are_added_once_and_removed_idempotently(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    n = fake_github.add_issue(labels=("bug",))
    api.add_label(n, "ap-approved")
    api.add_label(n, "ap-approved")
    assert fake_github.issues[n]["labels"] == ["bug", "ap-approved"]
    assert fake_github.writes()[0].body == ["ap-approved"]
    api.remove_label(n, "bug")
    api.remove_label(n, "bug")  # already absent: fine
    assert fake_github.issues[n]["labels"] == ["ap-approved"]


def test_a_label_name_is_quoted_in_the_path(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue(labels=("needs review",))
    api.remove_label(n, "needs review")
    assert fake_github.issues[n]["labels"] == []


def test_removing_a_label_from_a_missing_issue_fails(api: PyGithubApi) -> None:
    with pytest.raises(GitHubError, match="404"):
        api.remove_label(42, "bug")


# -- the status comment --------------------------------------------------------------------


def test_status_comment_is_created_then_edited_in_place(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    n = fake_github.add_issue()
    fake_github.add_comment(n, "I'd like this soon")
    first = api.upsert_status_comment(n, PLAN, "planned: 2 waves")
    second = api.upsert_status_comment(n, PLAN, "running: wave 1")
    assert first.id == second.id
    assert second.body == f"{status_marker(PLAN)}\nrunning: wave 1"
    assert len(fake_github.comments_on(n)) == 2
    assert [w.method for w in fake_github.writes()] == ["POST", "PATCH"]


def test_an_unchanged_status_comment_is_not_rewritten(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    n = fake_github.add_issue()
    api.upsert_status_comment(n, PLAN, "same")
    api.upsert_status_comment(n, PLAN, "same")
    assert len(fake_github.writes()) == 1


def test_each_plan_has_its_own_status_comment(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue()
    a = api.upsert_status_comment(n, PLAN, "a")
    b = api.upsert_status_comment(n, "20260102-other", "b")
    assert a.id != b.id
    assert len(fake_github.comments_on(n)) == 2


def test_a_comment_quoting_the_marker_is_not_the_status_comment(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    n = fake_github.add_issue()
    quoted = fake_github.add_comment(n, f"look:\n{status_marker(PLAN)}\nhaha")
    made = api.upsert_status_comment(n, PLAN, "status")
    assert made.id != quoted
    assert fake_github.comments[quoted]["body"].startswith("look:")


def test_status_comment_author_ignores_an_impostor(fake_github: FakeGitHub) -> None:
    api = PyGithubApi(
        fake_github.token,
        fake_github.repository,
        base_url=fake_github.base_url,
        pace=False,
        status_comment_author="github-actions[bot]",
    )
    n = fake_github.add_issue()
    impostor = fake_github.add_comment(n, f"{status_marker(PLAN)}\nfake status", author="mallory")
    made = api.upsert_status_comment(n, PLAN, "real status")
    assert made.id != impostor
    assert made.author == "github-actions[bot]"
    assert fake_github.comments[impostor]["body"].endswith("fake status")


def test_status_comment_is_found_on_a_later_page(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue()
    for i in range(150):
        fake_github.add_comment(n, f"comment {i}")
    made = api.upsert_status_comment(n, PLAN, "first")
    again = api.upsert_status_comment(n, PLAN, "second")
    assert made.id == again.id
    assert len(fake_github.comments_on(n)) == 151
    pages = [r.query.get("page") for r in fake_github.requests if r.path.endswith("/comments")]
    assert ["2"] in pages


def test_status_comment_needs_a_plan_id(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue()
    with pytest.raises(GitHubError, match="not a plan id"):
        api.upsert_status_comment(n, "x --> <b>", "body")
    assert fake_github.writes() == []


# -- pull requests -------------------------------------------------------------------------

HEAD = f"ap/{PLAN}/integration"


def test_draft_pull_request_is_created_once_then_updated(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    pr = api.ensure_draft_pull_request(head=HEAD, base="main", title="AP: login", body="waves")
    assert (pr.head, pr.base, pr.title, pr.body, pr.draft) == (
        HEAD,
        "main",
        "AP: login",
        "waves",
        True,
    )
    created = fake_github.writes()[0]
    assert (created.method, created.path) == ("POST", "/repos/octo/hello/pulls")
    assert created.body["draft"] is True
    again = api.ensure_draft_pull_request(head=HEAD, base="main", title="AP: login", body="v2")
    assert again.number == pr.number
    assert again.body == "v2"
    assert len(fake_github.pulls) == 1
    assert [w.method for w in fake_github.writes()] == ["POST", "PATCH"]
    api.ensure_draft_pull_request(head=HEAD, base="main", title="AP: login", body="v2")
    assert len(fake_github.writes()) == 2  # nothing changed: nothing written


def test_a_closed_pull_request_is_not_reused(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    old = api.ensure_draft_pull_request(head=HEAD, base="main", title="t", body="b")
    fake_github.pulls[old.number]["state"] = "closed"
    new = api.ensure_draft_pull_request(head=HEAD, base="main", title="t", body="b")
    assert new.number != old.number


def test_find_pull_request(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    assert api.find_pull_request(HEAD) is None
    made = api.ensure_draft_pull_request(head=HEAD, base="main", title="t", body="b")
    assert api.find_pull_request(HEAD) == made
    assert fake_github.requests[0].query["head"] == [f"octo:{HEAD}"]


def test_mark_ready_for_review_uses_graphql_once(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    pr = api.ensure_draft_pull_request(head=HEAD, base="main", title="t", body="b")
    api.mark_ready_for_review(pr.number)
    api.mark_ready_for_review(pr.number)  # already ready: no mutation
    assert fake_github.pulls[pr.number]["draft"] is False
    mutations = [r for r in fake_github.requests if r.path == "/graphql"]
    assert len(mutations) == 1
    assert mutations[0].body["variables"]["input"] == {"pullRequestId": f"PR_{pr.number}"}


def test_a_refused_pull_request_names_the_missing_permission(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    fake_github.fail_next(
        "POST",
        "/pulls$",
        403,
        "GitHub Actions is not permitted to create or approve pull requests.",
    )
    with pytest.raises(GitHubError) as caught:
        api.ensure_draft_pull_request(head=HEAD, base="main", title="t", body="b")
    assert "not permitted to create" in caught.value.message
    assert caught.value.hint is not None
    assert "pull-requests: write" in caught.value.hint


def test_a_validation_failure_carries_githubs_reason(api: PyGithubApi) -> None:
    with pytest.raises(GitHubError) as caught:
        api.ensure_draft_pull_request(head="main", base="main", title="t", body="b")
    assert caught.value.status == 422
    assert "head and base are equal" in caught.value.message


# -- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "maintain", "write", "triage", "read"])
def test_permission_reads_the_role(fake_github: FakeGitHub, api: PyGithubApi, role: str) -> None:
    fake_github.permissions["alice"] = role
    assert api.permission("alice") == role


def test_a_custom_role_falls_back_to_its_base_permission(
    fake_github: FakeGitHub, api: PyGithubApi
) -> None:
    fake_github.custom_roles["release-manager"] = "maintain"
    fake_github.permissions["alice"] = "release-manager"
    assert api.permission("alice") == "write"


def test_an_unknown_user_has_no_permission(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    assert api.permission("nobody") == "none"
    assert api.permission("bad login; rm -rf /") == "none"
    assert api.permission("../../admin") == "none"
    assert len(fake_github.requests) == 1  # only the well-formed login was asked about


def test_has_permission() -> None:
    assert has_permission("admin", "write")
    assert has_permission("maintain", "write")
    assert has_permission("write", "write")
    assert not has_permission("triage", "write")
    assert not has_permission("none", "read")


# -- statuses and dispatches ---------------------------------------------------------------


def test_set_commit_status(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    api.set_commit_status(
        SHA,
        "failure",
        context="ap/scope",
        description="T2 touched src/a.py " + "x" * 300,
        target_url="https://example.invalid/run/1",
    )
    api.set_commit_status(SHA, "success", context="ap/scope", description="in scope")
    first, second = fake_github.statuses
    assert (first["sha"], first["state"], first["context"]) == (SHA, "failure", "ap/scope")
    assert len(first["description"]) == 140
    assert first["target_url"] == "https://example.invalid/run/1"
    assert "target_url" not in second


def test_a_commit_status_needs_a_full_sha(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    with pytest.raises(GitHubError, match="not a full commit id"):
        api.set_commit_status("HEAD", "success", context="ap", description="d")
    assert fake_github.requests == []


def test_dispatch_workflow(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    api.dispatch_workflow("ap.yml", ref="main", inputs={"plan": PLAN, "wave": "2"})
    assert fake_github.dispatches == [
        {"workflow": "ap.yml", "ref": "main", "inputs": {"plan": PLAN, "wave": "2"}}
    ]


def test_dispatching_an_unknown_workflow_fails(api: PyGithubApi) -> None:
    with pytest.raises(GitHubError) as caught:
        api.dispatch_workflow("other.yml", ref="main", inputs={})
    assert caught.value.status == 404
    with pytest.raises(GitHubError, match="not a workflow file name"):
        api.dispatch_workflow("../secrets", ref="main", inputs={})


def test_a_refused_dispatch_names_actions_write(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    fake_github.fail_next("POST", "/dispatches$", 403, "Resource not accessible by integration")
    with pytest.raises(GitHubError) as caught:
        api.dispatch_workflow("ap.yml", ref="main", inputs={})
    assert caught.value.hint is not None
    assert "actions: write" in caught.value.hint


# -- failures ------------------------------------------------------------------------------


def test_a_bad_token_is_refused_and_never_shown(fake_github: FakeGitHub) -> None:
    secret = "ghs_s3cr3tvalue"
    api = PyGithubApi(secret, fake_github.repository, base_url=fake_github.base_url, pace=False)
    with pytest.raises(GitHubError) as caught:
        api.default_branch()
    error = caught.value
    assert error.status == 401
    assert error.hint is not None
    assert "GITHUB_TOKEN" in error.hint
    assert secret not in f"{error} {error.hint} {api!r} {vars(api)}"


def test_a_403_hints_at_the_workflow_permissions(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue()
    fake_github.fail_next("POST", "/labels$", 403, "Resource not accessible by integration")
    with pytest.raises(GitHubError) as caught:
        api.add_label(n, "ap-approved")
    assert "Resource not accessible by integration" in caught.value.message
    assert caught.value.hint is not None
    assert "permissions: issues: write" in caught.value.hint


def test_a_rate_limit_says_so(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    fake_github.fail_next("GET", "/issues/", 403, "API rate limit exceeded for installation")
    n = fake_github.add_issue()
    with pytest.raises(GitHubError, match="rate limit") as caught:
        api.get_issue(n)
    assert caught.value.hint == "run the job again later"


def test_a_server_error_is_not_retried(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    fake_github.fail_next("GET", "^/repos/octo/hello$", 502, "Bad Gateway")
    with pytest.raises(GitHubError, match="502") as caught:
        api.default_branch()
    assert caught.value.hint == "run the job again"
    assert len(fake_github.requests) == 1


def test_a_malformed_answer_is_a_github_error(fake_github: FakeGitHub, api: PyGithubApi) -> None:
    n = fake_github.add_issue()
    fake_github.issues[n]["title"] = ["not", "a", "string"]
    with pytest.raises(GitHubError, match="unexpected type"):
        api.get_issue(n)


def test_an_unreachable_github(fake_github: FakeGitHub) -> None:
    base_url = fake_github.base_url
    fake_github.stop()
    api = PyGithubApi("t", "octo/hello", base_url=base_url, pace=False)
    with pytest.raises(GitHubError, match="cannot reach GitHub"):
        api.default_branch()


def test_a_slow_github_times_out(fake_github: FakeGitHub) -> None:
    fake_github.fail_next("GET", "^/repos/octo/hello$", 500, "late", delay=3)
    api = PyGithubApi(
        fake_github.token,
        fake_github.repository,
        base_url=fake_github.base_url,
        pace=False,
        timeout=1,
    )
    with pytest.raises(GitHubError, match="did not answer within 1s"):
        api.default_branch()


@pytest.mark.parametrize(
    ("token", "repository", "message"),
    [("", "octo/hello", "no GitHub token"), ("t", "octo", "not a repository name")],
)
def test_construction_checks_its_input(token: str, repository: str, message: str) -> None:
    with pytest.raises(ApError, match=message):
        PyGithubApi(token, repository)


def test_importing_the_github_package_does_not_import_pygithub() -> None:
    code = (
        "import sys, ap.github.api, ap.github.pygithub, ap.github.context, ap.github.outputs\n"
        "print('github' in sys.modules, 'requests' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
