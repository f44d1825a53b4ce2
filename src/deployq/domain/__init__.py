"""The pure core: CodeDeploy's vocabulary and deployq's domain model.

Nothing in this package imports Celery, SQLAlchemy, Redis or an HTTP library.
"""
