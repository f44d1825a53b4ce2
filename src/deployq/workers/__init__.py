"""Celery: the app factory, queues, and the per-process context of tasks."""
