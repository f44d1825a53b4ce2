"""The ASGI application: the AWS CodeDeploy protocol on ``POST /``, the native API under ``/api/v1``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import deployq
from deployq.config.settings import Settings


def create_app(settings: Settings, services: object | None = None) -> FastAPI:
    from deployq.api.codedeploy.protocol import router as codedeploy
    from deployq.api.native import router as native
    from deployq.api.services import Services

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or Services.build(settings)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(title="deployq", version=deployq.__version__, lifespan=lifespan,
                  description="The native API of deployq. Every endpoint but /healthz takes a bearer token.")
    app.state.settings = settings

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness probe for load balancers and orchestrators; it reveals nothing but the version."""
        return {"status": "ok", "version": deployq.__version__}

    app.include_router(codedeploy)
    app.include_router(native, prefix="/api/v1")
    return app
