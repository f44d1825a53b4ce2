"""Child processes tied to deployq's life: they die with it, even after SIGKILL (Linux)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """Runs in the child between fork and exec: ask the kernel to send SIGTERM when the parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child that receives SIGTERM when this process dies, however it dies."""
    parent = os.getpid()
    out: IO[bytes] | int = subprocess.DEVNULL
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("ab")
    try:
        return subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: _die_with_parent(parent),
        )
    finally:
        if not isinstance(out, int):
            out.close()


def stop(processes: Sequence[subprocess.Popen[bytes]], *, grace: float = 10.0) -> None:
    """SIGTERM every process, wait up to ``grace`` seconds together, then SIGKILL what is left."""
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def ancestry(pid: int | None = None) -> set[int]:
    """``pid`` (default: this process) and its parents."""
    pids, current = set(), pid or os.getpid()
    while current > 1:
        pids.add(current)
        try:
            current = int(Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def lingering(marker: Path, exclude: set[int] | None = None) -> list[int]:
    """Live processes (not zombies) whose command line or environment names ``marker``: what a stack
    rooted at that directory left behind. ``exclude``: pids to ignore (default: this one and its parents)."""
    needle = str(marker.resolve()).encode()
    skip = ancestry() if exclude is None else exclude
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in skip:
            continue
        try:
            if (proc / "stat").read_text().rsplit(") ", 1)[-1].startswith("Z"):
                continue
            if needle in (proc / "cmdline").read_bytes() or needle in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found
