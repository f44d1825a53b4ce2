"""``deployq.api.main:app``: the application built from the environment, for uvicorn workers."""

from deployq.api.app import create_app
from deployq.config.settings import load_settings

app = create_app(load_settings())
