"""Bounded retries with exponential backoff for transient download failures."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from deployq.errors import BundleError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Transient(Exception):
    """A failure worth another try; ``error`` is raised when the tries run out."""

    def __init__(self, error: BundleError) -> None:
        super().__init__(str(error))
        self.error = error


def retrying(action: Callable[[], T], *, tries: int, delay: float, max_delay: float, what: str,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``action`` up to ``tries`` times while it raises :class:`Transient`."""
    attempt = 1
    while True:
        try:
            return action()
        except Transient as exc:
            if attempt >= tries:
                raise exc.error from None
            wait = min(max_delay, delay * 2 ** (attempt - 1))
            log.warning("%s failed (try %d of %d): %s; retrying in %.1f s", what, attempt, tries, exc.error, wait)
            sleep(wait)
            attempt += 1
