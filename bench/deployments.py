"""Deployments end to end on a real fleet: what orchestration costs, and against Ansible, in one run.

    .venv/bin/python bench/deployments.py [--part a b c d] [--hosts-a 5] [--hosts-b 20] [--hosts-d 200]

(a) overhead per lifecycle event with empty hooks, against a plain Celery round trip;
(b) 20 hosts, 4 hooks of 0.2 s, OneAtATime and HalfAtATime, against the critical path;
(c) the same workload run by ansible-playbook (serial: 1), against deployq's OneAtATime of (b);
(d) AllAtOnce to 200 simulated hosts: total time, events per second, the coordinator's peak RSS.

Every part starts its own throwaway fleet (Redis, SQLite, coordinator, beat, agents; see fleet.py), prints
a table with ratios against a baseline measured in the same run, and ends with the number of deployments
that succeeded. The exit status is 1 if any deployment (or ansible-playbook) does not succeed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from fleet import HOOK_EVENTS, SERVER_EVENTS, BenchError, Fleet, RssSampler, Run, make_revision, percentile, rss_kib

from deployq.embedded import find_server_binary
from deployq.processes import spawn, stop, tail

PARTS = ("a", "b", "c", "d")
CONFIGS = {
    "AllAtOnce": "CodeDeployDefault.AllAtOnce",
    "HalfAtATime": "CodeDeployDefault.HalfAtATime",
    "OneAtATime": "CodeDeployDefault.OneAtATime",
}
TARGET_OVERHEAD_MS = 10.0
TARGET_WALL_RATIO = 1.15


def host_names(n: int) -> list[str]:
    return [f"h{i:03d}" for i in range(1, n + 1)]


def ms(seconds: float) -> float:
    return seconds * 1000


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def title(text: str) -> None:
    print(f"\n== {text} ==")


def require(run: Run) -> None:
    if not run.succeeded:
        d = run.deployment
        raise BenchError(f"deployment {d.id} ended {d.status.value}: {d.error_code} {d.error_message}")


def succeeded_line(runs: Sequence[Run]) -> None:
    print(f"succeeded deployments: {sum(r.succeeded for r in runs)}/{len(runs)}")


def start_fleet(workdir: Path, hosts: list[str], args: argparse.Namespace, *, per_agent: int) -> Fleet:
    fleet = Fleet(workdir, coordinator_concurrency=args.coordinator_concurrency, log_level=args.log_level).start()
    try:
        fleet.add_agents(hosts, per_agent=per_agent, concurrency=max(4, per_agent))
    except BaseException:
        fleet.close()
        raise
    return fleet


# --- (a) overhead per event ------------------------------------------------------------------------


def part_a(args: argparse.Namespace, tmp: Path) -> None:
    hosts = host_names(args.hosts_a)
    title(f"(a) orchestration overhead per lifecycle event: {len(hosts)} hosts, hooks that only `exit 0`, "
          f"{args.rounds} deployments per config")
    print("gap      = start of an event − end of the event before it on the same host (all 6 consecutive pairs)\n"
          "overhead = gap + duration, for the 4 hook events (their scripts do nothing, so it is all deployq)\n"
          "gate     = end of a batch's last event → start of the next batch's first event (host_done, gate, "
          "dispatch)")
    runs: list[Run] = []
    with start_fleet(tmp / "a", hosts, args, per_agent=len(hosts)) as fleet:
        fleet.round_trips(5)  # warm the connections and the coordinator's database session
        baseline = statistics.median(fleet.round_trips(args.round_trips))
        print(f"baseline: Celery round trip, deployq.system.health on the coordinator with .get(), median of "
              f"{args.round_trips}: {ms(baseline):.2f} ms")
        print(f"{'config':<11} {'samples':>7} {'overhead med':>12} {'p90':>7} {'× baseline':>10} {'gap med':>8} "
              f"{'p90':>7} {'hook run med':>12} {'gate med':>8} {'create→1st':>10} {'wall med':>8}   (ms)")
        medians = {}
        for name in ("AllAtOnce", "OneAtATime"):
            group = f"a-{name}"
            fleet.group(group, CONFIGS[name])
            # a revision per group: each installs to its own destination (no DISALLOW conflict between groups)
            empty = make_revision(tmp / "revisions", group, dict.fromkeys(HOOK_EVENTS, "exit 0"))
            overheads: list[float] = []
            gaps: list[float] = []
            hook_runs: list[float] = []
            gates: list[float] = []
            firsts: list[float] = []
            for _ in range(args.rounds):
                run = fleet.deploy(group, empty, timeout=args.timeout)
                runs.append(run)
                require(run)
                outcomes = fleet.outcomes(run.deployment.id, hosts)
                for row in outcomes.values():
                    for k in range(1, len(SERVER_EVENTS)):
                        gap = row[k]["start_time"] - row[k - 1]["end_time"]
                        gaps.append(gap)
                        if SERVER_EVENTS[k] in HOOK_EVENTS:
                            duration = row[k]["end_time"] - row[k]["start_time"]
                            hook_runs.append(duration)
                            overheads.append(gap + duration)
                batches = fleet.progress.batches(run.deployment.id)
                for before, after in itertools.pairwise(batches):
                    end = max(outcomes[h][-1]["end_time"] for h in before)
                    gates.append(min(outcomes[h][0]["start_time"] for h in after) - end)
                firsts.append(min(row[0]["start_time"] for row in outcomes.values()) - run.created)
            medians[name] = statistics.median(overheads)
            gate = f"{ms(statistics.median(gates)):8.1f}" if gates else f"{'—':>8}"
            wall = statistics.median(r.wall for r in runs[-args.rounds:])
            print(f"{name:<11} {len(overheads):>7} {ms(medians[name]):>12.2f} {ms(percentile(overheads, 90)):>7.2f} "
                  f"{medians[name] / baseline:>10.2f} {ms(statistics.median(gaps)):>8.2f} "
                  f"{ms(percentile(gaps, 90)):>7.2f} {ms(statistics.median(hook_runs)):>12.2f} {gate} "
                  f"{ms(statistics.median(firsts)):>10.1f} {ms(wall):>8.0f}")
        verdicts = ", ".join(f"{n} {ms(v):.2f} ms {met(ms(v) < TARGET_OVERHEAD_MS)}" for n, v in medians.items())
        print(f"target: median overhead per event < {TARGET_OVERHEAD_MS:.0f} ms: {verdicts}")
    succeeded_line(runs)


# --- (b) batches against the critical path ---------------------------------------------------------


def part_b(args: argparse.Namespace, tmp: Path, configs: Sequence[str] = ("OneAtATime", "HalfAtATime"),
           ) -> dict[str, Run]:
    hosts = host_names(args.hosts_b)
    title(f"(b) {len(hosts)} hosts, 4 hooks of {args.hook_sleep} s each (BeforeInstall, AfterInstall, "
          "ApplicationStart, ValidateService)")
    print(f"critical path = batches × 4 × {args.hook_sleep} s; overhead per batch = (wall − critical) / batches")
    results: dict[str, Run] = {}
    with start_fleet(tmp / "b", hosts, args, per_agent=len(hosts)) as fleet:
        print(f"{'config':<11} {'batches':>7} {'wall s':>7} {'critical s':>10} {'wall/critical':>13} "
              f"{'overhead/batch ms':>17}  target < {TARGET_WALL_RATIO}")
        for name in configs:
            group = f"b-{name}"
            fleet.group(group, CONFIGS[name])
            revision = make_revision(tmp / "revisions", group, dict.fromkeys(HOOK_EVENTS, f"sleep {args.hook_sleep}"))
            run = fleet.deploy(group, revision, timeout=args.timeout)
            results[name] = run
            require(run)
            batches = len(fleet.progress.batches(run.deployment.id))
            critical = batches * len(HOOK_EVENTS) * args.hook_sleep
            ratio = run.wall / critical
            print(f"{name:<11} {batches:>7} {run.wall:>7.2f} {critical:>10.2f} {ratio:>13.3f} "
                  f"{ms((run.wall - critical) / batches):>17.1f}  {met(ratio < TARGET_WALL_RATIO)}")
    succeeded_line(list(results.values()))
    return results


# --- (c) Ansible ------------------------------------------------------------------------------------

PLAYBOOK = """\
- name: deploy the revision one host at a time, as deployq's OneAtATime
  hosts: fleet
  gather_facts: false
  serial: 1
  tasks:
    - name: copy the revision
      ansible.builtin.copy:
        src: "{{ revision }}/"
        dest: "{{ hosts_dir }}/{{ inventory_hostname }}/"
        mode: preserve
"""
TASK = """\
    - name: {event}
      ansible.builtin.command:
        cmd: "{{{{ hosts_dir }}}}/{{{{ inventory_hostname }}}}/scripts/{event}.sh"
        chdir: "{{{{ hosts_dir }}}}/{{{{ inventory_hostname }}}}"
"""


def ansible_playbook() -> Path | None:
    beside = Path(sys.executable).parent / "ansible-playbook"
    found = shutil.which("ansible-playbook")
    return beside if beside.exists() else Path(found) if found else None


def run_ansible(program: Path, workdir: Path, revision: Path, hosts: list[str], timeout: float) -> float:
    """Run the playbook on ``hosts`` (all ``ansible_connection=local``); the wall time of the process."""
    workdir.mkdir(parents=True)
    inventory = workdir / "inventory.ini"
    inventory.write_text("[fleet]\n" + "".join(f"{h} ansible_connection=local\n" for h in hosts)
                         + f"\n[fleet:vars]\nansible_python_interpreter={sys.executable}\n")
    playbook = workdir / "playbook.yml"
    playbook.write_text(PLAYBOOK + "".join(TASK.format(event=e) for e in HOOK_EVENTS))
    (workdir / "ansible.cfg").write_text("[defaults]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "DEPLOYQ_"))}
    env.update({
        "ANSIBLE_CONFIG": str(workdir / "ansible.cfg"),
        "ANSIBLE_HOME": str(workdir / "home"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp-local"),
        "ANSIBLE_REMOTE_TEMP": str(workdir / "tmp-remote"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_STDOUT_CALLBACK": "minimal",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "LC_ALL": "C.UTF-8",
    })
    log = workdir / "ansible.log"
    argv = [str(program), "-i", str(inventory), str(playbook),
            "-e", f"revision={revision}", "-e", f"hosts_dir={workdir / 'hosts'}"]
    start = time.perf_counter()
    proc = spawn(argv, env=env, log=log, cwd=workdir)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop([proc], grace=5)
        raise BenchError(f"ansible-playbook did not finish within {timeout:.0f} s:\n{tail(log)}") from None
    wall = time.perf_counter() - start
    if code != 0:
        raise BenchError(f"ansible-playbook exited with code {code}:\n{tail(log)}")
    missing = [h for h in hosts if not (workdir / "hosts" / h / "scripts" / "ValidateService.sh").exists()]
    if missing:
        raise BenchError(f"ansible-playbook did not copy the revision to {', '.join(missing)}")
    return wall


def part_c(args: argparse.Namespace, tmp: Path, deployq_runs: dict[str, Run]) -> None:
    program = ansible_playbook()
    if program is None:
        title("(c) Ansible: skipped")
        print("ansible-playbook is not installed: pip install 'deployq[bench]' (ansible-core) to run part (c)")
        return
    if "OneAtATime" not in deployq_runs:  # part (b) was not asked for: measure deployq's side here
        deployq_runs = part_b(args, tmp, configs=("OneAtATime",))
    deployq = deployq_runs["OneAtATime"]
    hosts = host_names(args.hosts_b)
    try:
        version = importlib.metadata.version("ansible-core")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    title(f"(c) the workload of (b) run by Ansible: ansible-core {version}, {len(hosts)} hosts "
          "ansible_connection=local, serial: 1")
    print("playbook: gather_facts false, copy (the revision directory) + 4 × command (the same scripts);\n"
          "ansible defaults otherwise (forks 5, no pipelining); time = the ansible-playbook process, end to end")
    revision = make_revision(tmp / "revisions", "c", dict.fromkeys(HOOK_EVENTS, f"sleep {args.hook_sleep}"))
    ansible = run_ansible(program, tmp / "c", revision, hosts, args.ansible_timeout)
    critical = len(hosts) * len(HOOK_EVENTS) * args.hook_sleep
    print(f"{'tool':<30} {'wall s':>7} {'wall/critical':>13}")
    print(f"{'ansible-playbook (serial: 1)':<30} {ansible:>7.2f} {ansible / critical:>13.3f}")
    print(f"{'deployq OneAtATime (from b)':<30} {deployq.wall:>7.2f} {deployq.wall / critical:>13.3f}")
    print(f"deployq's speed-up (Ansible time / deployq time): {ansible / deployq.wall:.2f}×")
    print(f"ansible-playbook: exit 0, {len(hosts)}/{len(hosts)} hosts copied")
    succeeded_line([deployq])


# --- (d) 200 hosts ------------------------------------------------------------------------------------


def part_d(args: argparse.Namespace, tmp: Path) -> None:
    hosts = host_names(args.hosts_d)
    per_agent = math.ceil(len(hosts) / args.agents_d)
    title(f"(d) AllAtOnce to {len(hosts)} simulated hosts ({args.agents_d} agents × {per_agent} names, "
          f"-c {per_agent}), hooks that only `exit 0`, coordinator with {args.coordinator_concurrency} threads")
    empty = make_revision(tmp / "revisions", "d", dict.fromkeys(HOOK_EVENTS, "exit 0"))
    with start_fleet(tmp / "d", hosts, args, per_agent=per_agent) as fleet:
        fleet.group("d-all", CONFIGS["AllAtOnce"])
        pid = fleet.coordinator.pid
        time.sleep(1)  # let the registrations settle
        before = rss_kib(pid)
        with RssSampler(pid, interval=0.2) as sampler:
            run = fleet.deploy("d-all", empty, timeout=args.timeout_d)
        require(run)
        outcomes = fleet.outcomes(run.deployment.id, hosts)
        events = sum(len(row) for row in outcomes.values())
        statuses: dict[str, int] = {}
        for row in outcomes.values():
            for outcome in row:
                statuses[outcome["status"]] = statuses.get(outcome["status"], 0) + 1
        batches = len(fleet.progress.batches(run.deployment.id))
        print(f"{'hosts':>5} {'batches':>7} {'create→Succeeded s':>18} {'events':>6} {'events/s':>8} "
              f"{'RSS before MiB':>14} {'peak MiB':>8} {'peak/before':>11} {'samples':>7}")
        print(f"{len(hosts):>5} {batches:>7} {run.wall:>18.2f} {events:>6} {events / run.wall:>8.1f} "
              f"{before / 1024:>14.1f} {sampler.peak / 1024:>8.1f} {sampler.peak / before:>11.2f} "
              f"{len(sampler.samples):>7}")
        print("events = every lifecycle event of every host: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
        print("RSS = VmRSS of the coordinator process: before = just before CreateDeployment, peak = sampled every "
              "0.2 s until Succeeded")
    succeeded_line([run])


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", nargs="+", choices=PARTS, default=list(PARTS), help="parts to run (default all)")
    parser.add_argument("--hosts-a", type=int, default=5, help="(a) hosts")
    parser.add_argument("--rounds", type=int, default=3, help="(a) deployments per config")
    parser.add_argument("--round-trips", type=int, default=50, help="(a) Celery round trips for the baseline")
    parser.add_argument("--hosts-b", type=int, default=20, help="(b), (c) hosts")
    parser.add_argument("--hook-sleep", type=float, default=0.2, help="(b), (c) seconds each of the 4 hooks sleeps")
    parser.add_argument("--hosts-d", type=int, default=200, help="(d) hosts")
    parser.add_argument("--agents-d", type=int, default=4, help="(d) agent processes sharing the hosts")
    parser.add_argument("--coordinator-concurrency", type=int, default=4, help="coordinator threads")
    parser.add_argument("--log-level", default="INFO", help="DEPLOYQ_LOG_LEVEL of the fleet's processes")
    parser.add_argument("--timeout", type=float, default=120, help="(a), (b) seconds a deployment may take")
    parser.add_argument("--timeout-d", type=float, default=240, help="(d) seconds the deployment may take")
    parser.add_argument("--ansible-timeout", type=float, default=300, help="(c) seconds ansible-playbook may take")
    parser.add_argument("--workdir", type=Path, help="keep fleets, logs and revisions here (default: a temp dir)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"deployq bench: {os.cpu_count()} cores, Python {sys.version.split()[0]}, Redis server "
          f"{find_server_binary()}, parts {' '.join(args.part)}")
    with tempfile.TemporaryDirectory(prefix="deployq-bench-") as temp:
        tmp = args.workdir.resolve() if args.workdir else Path(temp)
        tmp.mkdir(parents=True, exist_ok=True)
        try:
            runs_b: dict[str, Run] = {}
            if "a" in args.part:
                part_a(args, tmp)
            if "b" in args.part:
                runs_b = part_b(args, tmp)
            if "c" in args.part:
                part_c(args, tmp, runs_b)
            if "d" in args.part:
                part_d(args, tmp)
        except BenchError as exc:
            print(f"\nFAILED: {exc}", file=sys.stderr)
            sys.exit(1)
    print(f"\nall parts done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
