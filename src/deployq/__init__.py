"""deployq: a self-hosted, open-source AWS CodeDeploy on Celery + Redis."""

__version__ = "0.1.0"
