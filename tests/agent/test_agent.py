"""Real agent processes running real scripts on a real Redis."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from deployq.agent.tracking import RESTART_MESSAGE
from deployq.config.settings import load_settings
from deployq.progress import ProgressStore
from deployq.store import Store
from deployq.tasks.agent import send_event
from tests.agent.conftest import HOOKED, SERVER_EVENTS, Agent, Driver, journal_lines, make_revision, settle
from tests.conftest import Processes, wait_for


def test_first_and_second_deployment(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    journal = tmp_path / "journal"
    agent = Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    v1 = driver.spec("d-FIRST0001", make_revision(tmp_path, "v1", journal))
    first = driver.run(v1, "web-1")
    assert [first[e]["status"] for e in SERVER_EVENTS] == [
        "Skipped",
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "Succeeded",
        "Succeeded",
    ]
    assert "No earlier install" in first["ApplicationStop"]["message"]
    assert journal_lines(journal) == [f"{e} v1 d-FIRST0001 web prod web-1" for e in HOOKED[1:]]
    assert agent.installed("web-1", "/srv/app/index.html").read_text() == "version v1\n"

    v2 = driver.spec("d-SECOND002", make_revision(tmp_path, "v2", journal))
    second = driver.run(v2, "web-1")
    assert all(o["status"] == "Succeeded" for o in second.values())
    # ApplicationStop ran the previous revision's script (§1.2), then v2's own hooks
    assert journal_lines(journal)[4:] == ["ApplicationStop v1 d-SECOND002 web prod web-1"] + [
        f"{e} v2 d-SECOND002 web prod web-1" for e in HOOKED[1:]
    ]
    assert second["ApplicationStop"]["revision_dir"].endswith("/dg-1/d-FIRST0001")
    assert agent.installed("web-1", "/srv/app/index.html").read_text() == "version v2\n"
    # the §6 layout and its logs
    root = agent.host_root("web-1")
    log = (root / "dg-1" / "d-SECOND002" / "logs" / "scripts.log").read_text()
    assert "LifecycleEvent - ApplicationStart" in log and "[stdout]ran ApplicationStart v2" in log
    assert (root / "deployment-instructions" / "dg-1_last_successful_install").read_text().endswith("d-SECOND002")
    streamed = [fields["line"] for _, fields in progress.read_logs("d-SECOND002", count=10_000)]
    assert "[stdout]ran ValidateService v2" in streamed
    assert second["ApplicationStart"]["log"].splitlines()[-1] == "[stdout]ran ApplicationStart v2"


def test_script_failures_carry_codeploy_error_codes(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    journal = tmp_path / "journal"
    cases = {
        "failing": (
            {"AfterInstall": "echo broken >&2; exit 7\n"},
            "AfterInstall",
            "ScriptFailed",
            "Script at specified location: scripts/AfterInstall.sh failed with exit code 7",
        ),
        "timeout": (
            {"ApplicationStart": "sleep 30\n"},
            "ApplicationStart",
            "ScriptTimedOut",
            "failed to complete in 1 seconds",
        ),
    }
    for n, (name, (scripts, event, code, message)) in enumerate(cases.items()):
        rev = make_revision(tmp_path / name, "v1", journal, scripts=scripts)
        appspec = rev / "appspec.yml"
        appspec.write_text(
            appspec.read_text().replace("timeout: 60", "timeout: 1" if name == "timeout" else "timeout: 60")
        )
        outcomes = driver.run(driver.spec(f"d-FAIL0000{n}", rev), "web-1")
        assert outcomes[event]["status"] == "Failed"
        assert outcomes[event]["error_code"] == code
        assert message in outcomes[event]["message"]
        assert list(outcomes)[-1] == event  # nothing ran after the failure
    missing = make_revision(tmp_path / "missing", "v1", journal)
    (missing / "scripts" / "BeforeInstall.sh").unlink()
    outcomes = driver.run(driver.spec("d-MISSING01", missing), "web-1")
    assert outcomes["BeforeInstall"]["error_code"] == "ScriptMissing"
    assert "Script does not exist at specified location:" in outcomes["BeforeInstall"]["message"]
    plain = make_revision(tmp_path / "plain", "v1", journal)
    (plain / "scripts" / "ValidateService.sh").chmod(0o644)
    outcomes = driver.run(driver.spec("d-NOEXEC001", plain), "web-1")
    assert outcomes["ValidateService"]["status"] == "Succeeded"  # made executable, as the agent does
    assert "not executable" in outcomes["ValidateService"]["log"]


def test_background_child_does_not_hang_the_event(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    rev = make_revision(
        tmp_path, "v1", tmp_path / "journal", scripts={"ApplicationStart": "sleep 300 &\necho server started\n"}
    )
    started = time.monotonic()
    outcomes = driver.run(driver.spec("d-BACKGRND1", rev), "web-1")
    assert outcomes["ApplicationStart"]["status"] == "Succeeded"
    assert "kept stdout and stderr open" in outcomes["ApplicationStart"]["message"]
    assert "(sleep)" in outcomes["ApplicationStart"]["message"]
    assert time.monotonic() - started < 40, "the event must not wait for the background child (timeout 60 s)"
    subprocess.run(["pkill", "-f", "sleep 300"], check=False)


def test_runas_another_user(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    rev = make_revision(tmp_path, "v1", tmp_path / "journal", scripts={"ValidateService": "id -un\n"})
    appspec = rev / "appspec.yml"
    appspec.write_text(
        appspec.read_text().replace(
            "location: scripts/ValidateService.sh\n      timeout: 60\n",
            "location: scripts/ValidateService.sh\n      timeout: 60\n      runas: nobody\n",
        )
    )
    for part in [tmp_path, *tmp_path.parents]:  # let nobody reach the script
        if part != Path("/"):
            part.chmod(part.stat().st_mode | 0o011)
    outcomes = driver.run(driver.spec("d-RUNAS0001", rev), "web-1")
    assert outcomes["ValidateService"]["status"] == "Succeeded", outcomes["ValidateService"]["message"]
    assert "[stdout]nobody" in outcomes["ValidateService"]["log"]


def test_agent_killed_during_a_hook(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    journal = tmp_path / "journal"
    marker = f"deployq-kill-test-{tmp_path.name}"
    agent = Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    rev = make_revision(
        tmp_path, "v1", journal, scripts={"ApplicationStart": f"echo started >> {journal}\nexec -a {marker} sleep 30\n"}
    )
    spec = driver.spec("d-KILLED001", rev)
    driver.run(spec, "web-1", SERVER_EVENTS[:5])
    send_event(driver.app, spec, "web-1", "ApplicationStart")
    wait_for(lambda: "started" in journal_lines(journal), what="the hook to start")
    agent.kill()
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0  # the script outlived it
    assert progress.event_state("d-KILLED001", "web-1", "ApplicationStart")["state"] == "running"
    agent.start(progress)  # restart: recovery fails the event and ends the script
    outcome = driver.outcome("d-KILLED001", "web-1", "ApplicationStart", timeout=30)
    assert outcome["status"] == "Failed"
    assert outcome["error_code"] == "UnknownError"
    assert outcome["message"] == RESTART_MESSAGE
    wait_for(
        lambda: subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode != 0,
        what="the orphaned script to be ended",
    )
    send_event(driver.app, spec, "web-1", "ApplicationStart")  # the redelivery of that message
    settle(2)
    assert journal_lines(journal).count("started") == 1
    assert progress.event_state("d-KILLED001", "web-1", "ApplicationStart")["outcome"] == outcome
    assert list((agent.host_root("web-1") / "ongoing-deployment").iterdir()) == []


def test_redelivered_event_is_not_run_again(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    journal = tmp_path / "journal"
    Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    spec = driver.spec("d-REDELIVR1", make_revision(tmp_path, "v1", journal))
    first = driver.run(spec, "web-1")
    for event in SERVER_EVENTS:
        send_event(driver.app, spec, "web-1", event)  # every message delivered a second time
    settle(3)
    assert journal_lines(journal) == [f"{e} v1 d-REDELIVR1 web prod web-1" for e in HOOKED[1:]]
    for event in SERVER_EVENTS:
        assert progress.event_state("d-REDELIVR1", "web-1", event)["outcome"] == first[event]


def test_one_process_serves_two_hosts(
    tmp_path: Path, processes: Processes, agent_env: dict[str, str], progress: ProgressStore, driver: Driver
) -> None:
    processes.start("coordinator", "coordinator", env=agent_env)
    agent = Agent(processes, agent_env, tmp_path, ["web-1", "web-2"], tags=["role=web", "env=prod"]).start(progress)
    store = Store(load_settings(agent_env).sqlalchemy_url)
    try:
        wait_for(
            lambda: len(store.instances.list()) == 2 if _db_ready(store) else False,
            timeout=30,
            what="both hosts registered",
        )
        for instance in store.instances.list():
            assert instance.tags == {"role": "web", "env": "prod"}
    finally:
        store.close()
    journal = tmp_path / "journal"
    spec = driver.spec("d-TWOHOSTS1", make_revision(tmp_path, "v1", journal))
    for host in ("web-1", "web-2"):
        outcomes = driver.run(spec, host)
        assert all(o["status"] in ("Succeeded", "Skipped") for o in outcomes.values())
        assert agent.installed(host, "/srv/app/index.html").read_text() == "version v1\n"
        assert (agent.host_root(host) / "dg-1" / "d-TWOHOSTS1" / "deployment-archive").is_dir()
    assert sorted(line.split()[-1] for line in journal_lines(journal)) == ["web-1"] * 4 + ["web-2"] * 4
    assert set(progress.heartbeats()) == {"web-1", "web-2"}


def _db_ready(store: Store) -> bool:
    try:
        return store.db.current_revision() is not None
    except Exception:
        return False


def test_heartbeat_while_alive_gone_on_stop(tmp_path: Path, processes: Processes, agent_env: dict[str, str],
                                            progress: ProgressStore) -> None:
    agent = Agent(processes, agent_env, tmp_path, ["web-1"]).start(progress)
    first = progress.last_heartbeat("web-1")
    assert first is not None
    wait_for(lambda: (progress.last_heartbeat("web-1") or 0) > first, timeout=10, what="a second heartbeat")
    assert progress.is_alive("web-1", max_age=2)
    agent.proc.terminate()
    agent.proc.wait(timeout=30)
    assert progress.last_heartbeat("web-1") is None  # a clean stop says so at once
    agent.start(progress)
    agent.kill()
    time.sleep(2)
    assert not progress.is_alive("web-1", max_age=1.5)  # a killed agent goes quiet
