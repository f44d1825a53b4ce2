"""Fetching GitHub-style revisions from a real bare repository made with the git CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deployq.bundle import FetchOptions, fetch
from deployq.errors import BundleError
from tests.bundle.conftest import GitRepo


def _location(repo: GitRepo, commit: str) -> dict[str, object]:
    return {"revisionType": "GitHub", "gitHubLocation": {"repository": repo.repository, "commitId": commit}}


@pytest.mark.parametrize("style", ["file-url", "path"])
def test_fetch_each_commit(git_repo: GitRepo, tmp_path: Path, style: str) -> None:
    base = f"file://{git_repo.base}" if style == "file-url" else str(git_repo.base)
    options = FetchOptions(git_base_url=base, retry_delay=0)
    first = fetch(_location(git_repo, git_repo.commits[0]), tmp_path / "one", options)
    assert first.bundle_type == "directory"
    assert first.commit == git_repo.commits[0]
    assert sorted(os.listdir(first.path)) == ["appspec.yml", "index.html"]
    assert (first.path / "index.html").read_text() == "v1\n"
    second = fetch(_location(git_repo, git_repo.commits[1]), tmp_path / "two", options)
    assert (second.path / "index.html").read_text() == "v2\n"
    assert not (second.path / ".git").exists()
    assert os.access(second.path / "scripts" / "start.sh", os.X_OK)
    assert os.readlink(second.path / "current.html") == "index.html"
    assert second.sha256 != first.sha256 and len(second.sha256) == 64


def test_abbreviated_commit_is_cloned_and_resolved(git_repo: GitRepo, tmp_path: Path) -> None:
    options = FetchOptions(git_base_url=str(git_repo.base), retry_delay=0)
    got = fetch(_location(git_repo, git_repo.commits[0][:10]), tmp_path, options)
    assert got.commit == git_repo.commits[0]
    assert (got.path / "index.html").read_text() == "v1\n"


def test_unknown_commit_and_repository(git_repo: GitRepo, tmp_path: Path) -> None:
    options = FetchOptions(git_base_url=str(git_repo.base), retry_delay=0)
    missing = "0" * 40
    with pytest.raises(BundleError) as caught:
        fetch(_location(git_repo, missing), tmp_path / "a", options)
    assert f"commit {missing} was not found in repository acct/app" == str(caught.value)
    other = {"revisionType": "GitHub", "gitHubLocation": {"repository": "acct/none", "commitId": missing}}
    with pytest.raises(BundleError, match=f"cannot clone repository acct/none for commit {missing}"):
        fetch(other, tmp_path / "b", options)
    assert not (tmp_path / "a" / "bundle").exists() and not (tmp_path / "b" / "bundle").exists()
    assert [p.name for p in (tmp_path / "a").iterdir()] == []


@pytest.mark.parametrize(("repository", "commit", "phrase"), [
    ("acct/app", "--upload-pack=touch /tmp/x", "is not a commit id"),
    ("../etc", "a" * 40, "is not account/repository"),
    ("acct/..", "a" * 40, "is not account/repository"),
])
def test_unsafe_repository_or_commit_is_refused(tmp_path: Path, repository: str, commit: str, phrase: str) -> None:
    location = {"revisionType": "GitHub", "gitHubLocation": {"repository": repository, "commitId": commit}}
    with pytest.raises(BundleError, match=phrase):
        fetch(location, tmp_path, FetchOptions(git_base_url=str(tmp_path)))
