"""The coordinator: runs deployments as Celery chains of batches gated by health, records the durable
history, stops, rolls back, and reaps what was lost. Tasks in :mod:`deployq.tasks.deployments` call it."""
