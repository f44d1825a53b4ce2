"""What compare-and-set costs: progress-store writes against plain Redis writes, in one run.

    .venv/bin/python bench/progress_store.py [--n 5000]

Starts its own throwaway Redis (the embedded default's binary), so the shared one is untouched.
Prints medians in microseconds and the ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

from deployq.embedded import RedisServer
from deployq.progress import ProgressStore


def timed(n: int, op: Callable[[int], object]) -> float:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        op(i)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp), persist=False) as server:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        progress = ProgressStore(client, prefix="bench")
        baseline = timed(args.n, lambda i: client.hset(f"plain:{i}", "status", "InProgress"))
        cas = timed(args.n, lambda i: progress.set_deployment_status(f"d-{i}", [""], "InProgress"))
        repeat = timed(args.n, lambda i: progress.set_deployment_status(f"d-{i}", [""], "InProgress"))
        claim = timed(args.n, lambda i: progress.claim_event(f"d-{i}", "h", "Install", "t"))
        rows = [("plain HSET (baseline)", baseline), ("CAS status write", cas),
                ("repeated CAS write (no-op)", repeat), ("claim event", claim)]
        print(f"{'operation':<30} {'median µs':>10} {'× baseline':>11}   (n={args.n})")
        for name, value in rows:
            print(f"{name:<30} {value:>10.1f} {value / baseline:>11.2f}")


if __name__ == "__main__":
    main()
