"""The HTTP API (served by uvicorn through ``deployq server``)."""
