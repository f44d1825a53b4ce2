"""The installer's error: a :class:`~deployq.errors.BundleError` that knows the appspec entry at fault."""

from __future__ import annotations

from deployq.errors import BundleError


class InstallError(BundleError):
    """The Install step failed; the message names the appspec file, line and key path where known.

    ``reason`` is the bare text (CodeDeploy's own where it has one), so callers and tests can compare it
    verbatim; ``str(error)`` prefixes it with the location as :class:`~deployq.errors.AppSpecError` does:
    ``appspec.yml: line 7: files[0]: The deployment failed because …``.
    """

    def __init__(
        self,
        reason: str,
        *,
        filename: str | None = None,
        key_path: str | None = None,
        line: int | None = None,
    ) -> None:
        self.reason = reason
        self.filename = filename
        self.key_path = key_path or None
        self.line = line or None
        where = [part for part in (filename, f"line {line}" if line else None, key_path) if part]
        super().__init__(f"{': '.join(where)}: {reason}" if where else reason)
