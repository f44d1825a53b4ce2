"""CodeDeploy's rules for names, descriptions and tags (reference §8.2, §10, §11)."""

from __future__ import annotations

import re

from deployq.errors import InvalidInputError

NAME_PATTERN = re.compile(r"[A-Za-z0-9+=,.@_-]{1,100}")
MAX_DESCRIPTION = 256
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256


def check_name(kind: str, name: object, *, aws_code: str = "InvalidInputException") -> str:
    """Return ``name`` when it is 1–100 characters of ``[A-Za-z0-9+=,.@_-]``; else raise, naming it."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"The {kind} name must be specified.", aws_code=aws_code)
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidInputError(
            f"The {kind} name {name[:120]!r} is invalid: use 1 to 100 characters of "
            "letters, digits and + = , . @ _ -",
            aws_code=aws_code,
        )
    return name


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInputError(
            f"The description is {len(description)} characters long; the limit is {MAX_DESCRIPTION}.",
            aws_code="DescriptionTooLongException",
        )
    return description


def check_tag(key: str, value: str) -> None:
    if not key or len(key) > MAX_TAG_KEY:
        raise InvalidInputError(f"Tag key {key[:140]!r} must be 1 to {MAX_TAG_KEY} characters.",
                                aws_code="InvalidTagException")
    if len(value) > MAX_TAG_VALUE:
        raise InvalidInputError(f"The value of tag {key!r} is over {MAX_TAG_VALUE} characters.",
                                aws_code="InvalidTagException")
