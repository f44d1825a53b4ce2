"""The ASGI application. For now it answers a liveness probe; the API faces build on it."""

from __future__ import annotations

from fastapi import FastAPI

import deployq
from deployq.config.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="deployq", version=deployq.__version__)
    app.state.settings = settings

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness probe for load balancers and orchestrators; it reveals nothing but the version."""
        return {"status": "ok", "version": deployq.__version__}

    return app
