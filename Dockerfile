# One image for every deployq component; docker-compose.yml picks the command.
FROM python:3.11-slim
RUN useradd --create-home deployq
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
USER deployq
ENTRYPOINT ["deployq"]
CMD ["--help"]
