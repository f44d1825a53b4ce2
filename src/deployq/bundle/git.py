"""Fetching a GitHub-style revision with the git CLI: the commit's tree, without ``.git``.

The agent downloads GitHub's tarball of the commit; deployq clones from ``git_base_url`` instead
(any git server, or a local directory), so the result is a ``directory`` bundle. A full-length
commit id is fetched shallowly first (one commit); if the server refuses that, or the id is
abbreviated, the repository is cloned without checkout and the commit checked out.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

from deployq.bundle.digest import tree_sha256
from deployq.bundle.fetched import FetchedBundle
from deployq.bundle.fs import remove_tree, replace_path, staging_dir
from deployq.bundle.location import DIRECTORY, GitHubLocation
from deployq.bundle.options import FetchOptions
from deployq.bundle.retry import Transient, retrying
from deployq.errors import BundleError

log = logging.getLogger(__name__)
_SCP_LIKE = re.compile(r"^[^/:]+@[^/:]+:")
_FULL_ID = re.compile(r"^([0-9a-f]{40}|[0-9a-f]{64})$")
#: stderr of a clone that is worth another try (network trouble, not a missing repository).
_TRANSIENT = re.compile(r"could not resolve host|timed out|connection (refused|reset)|early eof|remote end hung up|"
                        r"rpc failed|gnutls|ssl|tls|temporary failure", re.IGNORECASE)
_CONFIG = ["-c", "core.autocrlf=false", "-c", "core.symlinks=true", "-c", "advice.detachedHead=false",
           "-c", "protocol.ext.allow=never"]


def repository_url(base: str, repository: str) -> str:
    """``base`` joined with ``account/repo``: a URL (``https://…``, ``file://…``), ``git@host:`` or a directory."""
    if "://" in base:
        return f"{base.rstrip('/')}/{repository}"
    if _SCP_LIKE.match(base):  # git@github.com: or git@host:path/
        return f"{base}{repository}" if base.endswith((":", "/")) else f"{base}/{repository}"
    return str(Path(base) / repository)


class _Git:
    def __init__(self, options: FetchOptions, location: GitHubLocation, url: str) -> None:
        self.options = options
        self.location = location
        self.url = url
        self.env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "true"}

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        command = [self.options.git_binary, *_CONFIG, *args]
        try:
            return subprocess.run(command, cwd=cwd, env=self.env, capture_output=True, text=True,
                                  timeout=self.options.git_timeout, check=False, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise BundleError(f"cannot fetch repository {self.location.repository}: "
                              f"{self.options.git_binary} is not installed") from None
        except subprocess.TimeoutExpired:
            raise Transient(BundleError(f"git {args[0]} of repository {self.location.repository} (commit "
                                        f"{self.location.commit}) timed out after {self.options.git_timeout:g} s")
                            ) from None

    def shallow(self, repo: Path) -> bool:
        """Fetch just the commit; False if the server does not allow it (or has no such commit)."""
        if not _FULL_ID.match(self.location.commit):
            return False
        repo.mkdir()
        if self.run("init", "-q", cwd=repo).returncode != 0:
            return False
        done = self.run("fetch", "-q", "--depth", "1", "--", self.url, self.location.commit, cwd=repo)
        if done.returncode != 0:
            log.debug("shallow fetch of %s failed: %s", self.location, done.stderr.strip())
            remove_tree(repo)
            return False
        return True

    def clone(self, repo: Path) -> None:
        def attempt() -> None:
            remove_tree(repo)
            done = self.run("clone", "-q", "--no-checkout", "--", self.url, str(repo))
            if done.returncode == 0:
                return
            reason = _last_line(done.stderr)
            error = BundleError(f"cannot clone repository {self.location.repository} for commit "
                                f"{self.location.commit} from {self.url}: {reason}")
            raise Transient(error) if _TRANSIENT.search(done.stderr) else error

        retrying(attempt, tries=self.options.retries, delay=self.options.retry_delay,
                 max_delay=self.options.retry_max_delay, what=f"clone of {self.location.repository}")

    def checkout(self, repo: Path) -> str:
        found = self.run("rev-parse", "--verify", "--quiet", f"{self.location.commit}^{{commit}}", cwd=repo)
        if found.returncode != 0:
            raise BundleError(f"commit {self.location.commit} was not found in repository "
                              f"{self.location.repository}")
        commit = found.stdout.strip()
        done = self.run("checkout", "-q", "--force", commit, cwd=repo)
        if done.returncode != 0:
            raise BundleError(f"cannot check out commit {self.location.commit} of repository "
                              f"{self.location.repository}: {_last_line(done.stderr)}")
        return commit


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "git failed"


def fetch_git(location: GitHubLocation, target: Path, options: FetchOptions) -> FetchedBundle:
    """Check ``location`` out into the directory ``target`` (replaced as a whole)."""
    url = repository_url(options.git_base_url, location.repository)
    git = _Git(options, location, url)
    staging = staging_dir(target, "git")
    try:
        repo = staging / "repo"
        try:
            if not git.shallow(repo):
                git.clone(repo)
            commit = git.checkout(repo)
        except Transient as exc:
            raise exc.error from None
        remove_tree(repo / ".git")
        replace_path(repo, target)
    finally:
        remove_tree(staging)
    return FetchedBundle(target, DIRECTORY, tree_sha256(target), commit=commit)
