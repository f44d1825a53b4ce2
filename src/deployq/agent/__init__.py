"""The deployq agent: a Celery worker on each host that runs lifecycle events.

The agent needs the broker URL and nothing else: no database credentials live on hosts. Outcomes go
to the Redis progress store; the coordinator records them in SQL.
"""
