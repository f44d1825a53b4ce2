"""Running the scripts of one lifecycle event (reference §4), and the fix for its worst pain.

Scripts run in order and the first failure ends the event. Each runs in its own session and process
group with stdin closed, under one deadline (its ``timeout``); at the deadline the group gets SIGTERM
and, after a grace period, SIGKILL. Output is read line by line into a :class:`LogSink`.

The improvement on CodeDeploy's top complaint: when a script has exited but a background child keeps
its stdout or stderr open, the event does not hang until the timeout. It ends on the script's exit
status after a short drain, and the diagnostics name the processes that kept the pipe open.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from deployq.appspec import HookScript
from deployq.domain.enums import LifecycleErrorCode

#: How long output is still read after the script exited, before the pipes are given up.
DRAIN_SECONDS = 0.5


class LogSink(Protocol):
    def line(self, text: str) -> None: ...


@dataclass(frozen=True)
class ScriptOutcome:
    """How one event's scripts ended: ``error_code`` Success, or the failing script's code."""

    error_code: LifecycleErrorCode
    script_name: str | None = None
    message: str = ""
    exit_code: int | None = None
    held_open_by: tuple[str, ...] = field(default=())

    @property
    def succeeded(self) -> bool:
        return self.error_code is LifecycleErrorCode.SUCCESS


def script_command(path: Path, script: HookScript, *, euid: int | None = None) -> list[str]:
    """The command line of §4: ``sudo su U -c P``, ``su U -c P``, ``sudo P`` or ``P``.

    Unlike the CodeDeploy agent, ``su`` gets ``-s /bin/sh``, so service accounts whose login shell is
    ``nologin`` (www-data, nginx, …) can be ``runas`` targets too; the script's own shebang still decides
    its interpreter."""
    current = euid if euid is not None else os.geteuid()
    if script.runas and not script.sudo and current != 0:
        if script.runas != pwd.getpwuid(current).pw_name:
            raise PermissionError(
                f"runas {script.runas} needs the agent to run as root (it runs as "
                f"{pwd.getpwuid(current).pw_name}); run the agent as root or use sudo: true"
            )
        return [str(path)]
    if script.runas and script.sudo:
        return ["sudo", "-n", "su", "-s", "/bin/sh", script.runas, "-c", str(path)]
    if script.runas:
        return ["su", "-s", "/bin/sh", script.runas, "-c", str(path)]
    if script.sudo:
        return ["sudo", "-n", str(path)]
    return [str(path)]


def _pipe_holders(fds: Sequence[int]) -> tuple[str, ...]:
    """Processes (other than us) that hold the write end of any of our pipes: ``pid (name)``."""
    links = {f"pipe:[{os.fstat(fd).st_ino}]" for fd in fds}
    holders = []
    me = os.getpid()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == me:
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in links:
                    name = (proc / "comm").read_text().strip()
                    holders.append(f"{proc.name} ({name})")
                    break
        except OSError:
            continue
    return tuple(sorted(set(holders)))


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class ScriptRunner:
    """Runs the scripts of one event; ``should_stop`` is polled so a stop request ends a script."""

    def __init__(
        self,
        archive_dir: Path,
        env: Mapping[str, str],
        log: LogSink,
        *,
        cwd: Path | None = None,
        kill_grace: float = 5.0,
        should_stop: Callable[[], bool] = lambda: False,
        on_start: Callable[[int], None] = lambda pgid: None,
    ) -> None:
        self.archive_dir = archive_dir
        self.env = dict(env)
        self.log = log
        self.cwd = cwd or archive_dir
        self.kill_grace = kill_grace
        self.should_stop = should_stop
        self.on_start = on_start

    def run_all(self, scripts: Sequence[HookScript]) -> ScriptOutcome:
        """Run in order, stop at the first failure; a success keeps the scripts' notes (held pipes)."""
        notes: list[str] = []
        holders: list[str] = []
        for script in scripts:
            outcome = self.run(script)
            if not outcome.succeeded:
                return outcome
            if outcome.message:
                notes.append(f"{script.location}: {outcome.message}")
            holders.extend(outcome.held_open_by)
        return ScriptOutcome(LifecycleErrorCode.SUCCESS, message="; ".join(notes), held_open_by=tuple(holders))

    def _resolve(self, script: HookScript) -> Path | ScriptOutcome:
        path = self.archive_dir / script.location.strip().lstrip("/")
        if not path.is_file():
            return ScriptOutcome(LifecycleErrorCode.SCRIPT_MISSING, script.location,
                                 f"Script does not exist at specified location: {path}")
        if not os.access(path, os.X_OK):
            self.log.line(f"Script - {script.location} is not executable; setting the executable bit")
            try:
                path.chmod(path.stat().st_mode | 0o111)
            except OSError:
                return ScriptOutcome(LifecycleErrorCode.SCRIPT_NOT_EXECUTABLE, script.location,
                                     f"Unable to set script at specified location: {script.location} as executable")
        return path

    def run(self, script: HookScript) -> ScriptOutcome:
        resolved = self._resolve(script)
        if isinstance(resolved, ScriptOutcome):
            return resolved
        self.log.line(f"Script - {script.location}")
        try:
            argv = script_command(resolved, script)
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=self.env, cwd=self.cwd, start_new_session=True)
        except (OSError, PermissionError, KeyError) as exc:
            return ScriptOutcome(LifecycleErrorCode.SCRIPT_FAILED, script.location,
                                 f"Script at specified location: {script.location} failed with error "
                                 f"{type(exc).__name__} with message {exc}")
        self.on_start(proc.pid)
        return self._supervise(proc, script)

    def _supervise(self, proc: subprocess.Popen[bytes], script: HookScript) -> ScriptOutcome:
        assert proc.stdout is not None and proc.stderr is not None
        streams = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr"}
        partial = {fd: b"" for fd in streams}
        selector = selectors.DefaultSelector()
        for fd in streams:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + script.timeout
        exited_at: float | None = None
        stopped = timed_out = False
        try:
            while selector.get_map():
                now = time.monotonic()
                if exited_at is None and proc.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > DRAIN_SECONDS:
                    break  # the script is gone; a child holds the pipe: do not wait for it
                if exited_at is None and (now >= deadline or self.should_stop()):
                    timed_out, stopped = now >= deadline, not now >= deadline
                    self._terminate(proc)
                    exited_at = time.monotonic()
                    continue
                for key, _ in selector.select(timeout=0.1):
                    fd = key.fd if isinstance(key.fd, int) else key.fd.fileno()
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        selector.unregister(fd)
                        continue
                    data = partial[fd] + chunk
                    *lines, partial[fd] = data.split(b"\n")
                    for raw in lines:
                        self.log.line(f"[{streams[fd]}]{raw.decode(errors='replace')}")
            open_fds = [fd for fd in streams if fd in selector.get_map()]
            held = tuple(streams[fd] for fd in open_fds)
            holders = _pipe_holders(open_fds) if held else ()
        finally:
            for fd, rest in partial.items():
                if rest:
                    self.log.line(f"[{streams[fd]}]{rest.decode(errors='replace')}")
            selector.close()
            proc.stdout.close()
            proc.stderr.close()
        code = proc.wait()
        who = f" run as user {script.runas}" if script.runas else ""
        if timed_out:
            return ScriptOutcome(LifecycleErrorCode.SCRIPT_TIMED_OUT, script.location,
                                 f"Script at specified location: {script.location} failed to complete in "
                                 f"{script.timeout} seconds", code)
        if stopped:
            return ScriptOutcome(LifecycleErrorCode.SCRIPT_FAILED, script.location,
                                 f"Script at specified location: {script.location} was stopped (the deployment "
                                 "was stopped)", code)
        note = ""
        if held:
            note = (f" (it exited, but {', '.join(holders) or 'a background process'} kept "
                    f"{' and '.join(held)} open; deployq did not wait for it)")
            self.log.line(f"Script - {script.location}{note}")
        if code != 0:
            return ScriptOutcome(LifecycleErrorCode.SCRIPT_FAILED, script.location,
                                 f"Script at specified location: {script.location}{who} failed with exit code "
                                 f"{code}{note}", code, holders)
        return ScriptOutcome(LifecycleErrorCode.SUCCESS, script.location, note.strip(" ()"), 0, holders)

    def _terminate(self, proc: subprocess.Popen[bytes]) -> None:
        _kill_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=self.kill_grace)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid, signal.SIGKILL)
            proc.wait()
