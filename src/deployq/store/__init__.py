"""The durable store: the only user of SQLAlchemy in deployq.

``Store(url)`` gathers one repository per record kind over one engine::

    store = Store("sqlite:///.deployq/deployq.db")
    store.migrate()
    store.applications.create("web")
"""

from __future__ import annotations

from deployq.store.applications import Applications
from deployq.store.configs import DeploymentConfigs
from deployq.store.database import Database
from deployq.store.deployments import Deployments
from deployq.store.groups import DeploymentGroups
from deployq.store.instances import Instances
from deployq.store.revisions import Revisions
from deployq.store.tags import ResourceTags


class Store:
    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.applications = Applications(self.db)
        self.configs = DeploymentConfigs(self.db)
        self.groups = DeploymentGroups(self.db)
        self.revisions = Revisions(self.db)
        self.instances = Instances(self.db)
        self.deployments = Deployments(self.db)
        self.tags = ResourceTags(self.db)

    def migrate(self) -> str:
        return self.db.migrate()

    def close(self) -> None:
        self.db.dispose()


__all__ = ["Store"]
