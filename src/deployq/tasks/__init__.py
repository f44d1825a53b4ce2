"""Celery tasks: thin wrappers that call the core and the stores. One module per concern."""
