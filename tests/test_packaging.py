"""The files a new user runs deployq with: the agent's systemd unit and the example settings."""

from __future__ import annotations

import configparser

from tests.conftest import REPO


def test_agent_systemd_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(REPO / "config" / "deployq-agent.service")
    service = unit["Service"]
    assert " agent --name " in service["ExecStart"]
    assert service["KillMode"] == "process", "hooks' background services must survive an agent restart"
    assert service["Restart"] == "always"
    assert "DEPLOYQ_DATABASE_URL" not in (REPO / "config" / "deployq-agent.service").read_text()
    assert unit["Install"]["WantedBy"] == "multi-user.target"
