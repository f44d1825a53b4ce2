"""The one error tree of deployq.

Every error deployq raises on purpose derives from :class:`DeployqError`, so the edges (CLI, API,
tasks) catch exactly one class and show its message; anything else is a bug and is reported as an
internal error. Where CodeDeploy has a name for an error, ``aws_code`` carries it (the exception
name of botocore's service model), so the API face can answer with CodeDeploy's own ``__type``::

    DeployqError
    ├── ConfigurationError        a setting or the settings file is wrong
    ├── EmbeddedServerError       the embedded Redis-compatible server cannot start
    ├── ProgressStoreError        Redis could not be reached or answered oddly
    ├── StoreError                the durable record (SQL)
    │   ├── NotFoundError         …DoesNotExistException
    │   ├── AlreadyExistsError    …AlreadyExistsException
    │   └── InvalidInputError     Invalid…Exception / a rule of CodeDeploy's model is broken
    ├── AppSpecError              appspec.yml is wrong (file, key path, line)
    └── BundleError               a revision bundle cannot be fetched, unpacked or installed
"""

from __future__ import annotations


class DeployqError(Exception):
    """Base of every error deployq raises on purpose; its message is meant for users."""

    aws_code: str = "InvalidInputException"

    def __init__(self, message: str, *, aws_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if aws_code is not None:
            self.aws_code = aws_code

    def __str__(self) -> str:
        return self.message


class ConfigurationError(DeployqError):
    """A setting (environment variable or settings file key) has a wrong value."""


class EmbeddedServerError(DeployqError):
    """The embedded Redis-compatible server could not be found or started."""


class ProgressStoreError(DeployqError):
    """The Redis progress store failed."""


class StoreError(DeployqError):
    """The durable store (SQL) refused an operation."""


class NotFoundError(StoreError):
    """A named record does not exist (CodeDeploy's ``…DoesNotExistException``)."""


class AlreadyExistsError(StoreError):
    """A record with that name exists already (CodeDeploy's ``…AlreadyExistsException``)."""


class InvalidInputError(StoreError):
    """An input breaks a rule of CodeDeploy's model (name pattern, lengths, enums, limits)."""


class AppSpecError(DeployqError):
    """appspec.yml is invalid; the message names the file, the key path and the line."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key_path: str | None = None,
        line: int | None = None,
    ) -> None:
        self.reason = message
        self.path = path
        self.key_path = key_path
        self.line = line
        where = [part for part in (path, f"line {line}" if line else None, key_path) if part]
        text = f"{': '.join(where)}: {message}" if where else message
        super().__init__(text, aws_code="InvalidRevisionException")


class BundleError(DeployqError):
    """A revision bundle could not be fetched, unpacked or installed; the message names the entry."""

    aws_code = "InvalidRevisionException"
