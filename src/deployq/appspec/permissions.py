"""The ``permissions`` section: mode, ACL and SELinux context rules, and the entry walker.

Rules follow the v1 agent (``mode_info.rb``, ``ace_info.rb``, ``context_info.rb``, ``range_info.rb``):

* ``mode`` is the scalar's text as written (so an unquoted ``0644`` is octal 644, as agent v2 reads
  it, never decimal 420), left-padded with zeros to 3 characters, at most 4 characters, digits 0–7.
* ``acls`` entries are ``[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]:]name:perm`` with 2–4 colon parts;
  ``perm`` is one digit 0–7 or letters from ``rwx-``. A named mask/other is invalid, and base entries
  (``u::7``, ``g::7``, ``o:7``) are refused ("Use mode to set the base acl entry").
* ``context`` needs ``type``. The SELinux user is read from ``name:`` as the agents read it; ``user:``
  (the key the AWS docs show, which the agents ignore) is accepted as an alias with a warning, and
  ``name:`` wins when both are given. ``role`` is not supported (ignored with a warning). A context
  without ``range`` is valid and gets the range ``s0`` (agent v1 crashes there; the docs say optional).
* ``range`` is ``s#[-s#][:c#[.c#](,c#[.c#])*]``: high ≥ low, categories ≤ c1023, no duplicates.

The rules that need to know whether an object is a file copied by this install (pattern must be
``**``, no ``except``, no default ACL; §3.4) are in :func:`check_file_permission`, for the installer.
"""

from __future__ import annotations

from yaml.nodes import Node

from deployq.appspec import messages
from deployq.appspec.messages import RuleViolation
from deployq.appspec.model import (
    DEFAULT_PATTERN,
    OBJECT_TYPES,
    AclEntry,
    Permission,
    SELinuxContext,
    SELinuxRange,
)
from deployq.appspec.yamlnodes import Document, child, is_null, item, shown, to_plain
from deployq.errors import AppSpecError

PERMISSION_KEYS = ("object", "pattern", "except", "type", "owner", "group", "mode", "acls", "context")
CONTEXT_KEYS = ("name", "type", "range")
MAX_CATEGORY = 1023


# ----------------------------------------------------------------------------------------------------
# pure rules
# ----------------------------------------------------------------------------------------------------


def normalize_mode(text: str) -> str:
    """The mode as the agent keeps it: left-padded to 3 characters; 1–4 octal digits.

    An empty mode is refused (agent v1 pads it to "000", i.e. chmod 000, against its own message).
    """
    mode = text.rjust(3, "0") if text else text
    if not mode or len(mode) > 4:
        raise RuleViolation(messages.invalid_mode_length(mode))
    for char in mode:
        if not "0" <= char <= "7":
            raise RuleViolation(messages.invalid_mode_character(mode, char))
    return mode


_KINDS = {"u": "user", "user": "user", "g": "group", "group": "group", "m": "mask", "mask": "mask"}
_KINDS |= {"o": "other", "other": "other"}


def parse_ace(text: str) -> AclEntry:
    """One ACL entry, validated as the agent's ``AceInfo`` does."""
    parts = text.split(":")[::-1]
    if not 2 <= len(parts) <= 4:
        raise RuleViolation(messages.invalid_acl_entry(text))
    default = False
    kind: str | None = None
    name = ""
    if len(parts) == 4:
        if parts[3] not in ("d", "default"):
            raise RuleViolation(messages.invalid_acl_entry(text))
        default = True
    if len(parts) >= 3:
        if parts[2] in ("d", "default"):
            if default:
                raise RuleViolation(messages.invalid_acl_entry(text))
            default = True
        elif parts[2] in _KINDS:
            kind = _KINDS[parts[2]]
        else:
            raise RuleViolation(messages.invalid_acl_entry(text))
    if parts[1] in ("m", "mask", "o", "other"):
        if kind is None:
            kind = _KINDS[parts[1]]
        else:
            name = _KINDS[parts[1]]
    else:
        kind = kind or "user"
        name = parts[1]
    if kind in ("mask", "other") and name:
        raise RuleViolation(messages.invalid_acl_entry(text))
    if not default and kind != "mask" and not name:
        raise RuleViolation(messages.base_acl_entry(text))
    perm = parts[0]
    if len(perm) == 1 and "0" <= perm <= "7":
        bits = int(perm)
        return AclEntry(default, kind, name, bool(bits & 4), bool(bits & 2), bool(bits & 1))
    for char in perm:
        if char not in "rwx-":
            raise RuleViolation(messages.invalid_acl_character(text, char))
    return AclEntry(default, kind, name, "r" in perm, "w" in perm, "x" in perm)


def _split(whole: str, text: str, separator: str) -> list[str]:
    """``range_info.rb`` ``ensure_parts``: one or two non-empty parts."""
    parts = text.split(separator, 1)
    if any(part == "" for part in parts):
        raise RuleViolation(
            messages.with_detail(messages.invalid_selinux_range(whole), f"invalid range part {text}")
        )
    return parts


def _number(whole: str, text: str, letter: str, what: str) -> int:
    digits = text[1:]
    if len(text) < 2 or not text.startswith(letter) or not (digits.isascii() and digits.isdigit()):
        raise RuleViolation(
            messages.with_detail(messages.invalid_selinux_range(whole), f"invalid {what} {text}")
        )
    return int(digits)


def _category(whole: str, text: str) -> int:
    level = _number(whole, text, "c", "category")
    if level > MAX_CATEGORY:
        raise RuleViolation(
            messages.with_detail(
                messages.invalid_selinux_range(whole), f"invalid category {text}; categories go up to c1023"
            )
        )
    return level


def parse_selinux_range(text: str) -> SELinuxRange:
    """An MLS range ``s#[-s#][:c#[.c#](,c#[.c#])*]`` (categories expanded, sorted, unique)."""
    parts = _split(text, text, ":")
    sensitivities = _split(text, parts[0], "-")
    low = _number(text, sensitivities[0], "s", "sensitivity")
    high = low
    if len(sensitivities) == 2:
        high = _number(text, sensitivities[1], "s", "sensitivity")
        if high < low:
            raise RuleViolation(
                messages.with_detail(
                    messages.invalid_selinux_range(text), f"high sensitivity s{high} is below low s{low}"
                )
            )
    if len(parts) == 1:
        return SELinuxRange(low, high, None)
    categories: list[int] = []
    for part in parts[1].split(","):
        if "." in part:
            bounds = _split(text, part, ".")
            first, last = _category(text, bounds[0]), _category(text, bounds[1])
            if last < first:
                raise RuleViolation(
                    messages.with_detail(
                        messages.invalid_selinux_range(text),
                        f"invalid category range {bounds[0]}.{bounds[1]}",
                    )
                )
            categories.extend(range(first, last + 1))
        else:
            categories.append(_category(text, part))
    if len(set(categories)) != len(categories):
        raise RuleViolation(
            messages.with_detail(messages.invalid_selinux_range(text), "duplicate categories")
        )
    return SELinuxRange(low, high, tuple(sorted(categories)))


def check_file_permission(permission: Permission, *, filename: str = "appspec.yml") -> None:
    """The rules for a permission whose object is a file copied by this install (§3.4).

    The installer calls this once it knows the object is a file: when ``type`` includes ``file`` the
    pattern must be ``**`` and ``except`` empty; a default (``d:``) ACL entry is never allowed on a file.
    """

    def fail(message: str, key: str) -> AppSpecError:
        return AppSpecError(
            message,
            path=filename,
            key_path=child(permission.key_path, key) if permission.key_path else key,
            line=permission.line or None,
        )

    if "file" in permission.types:
        if permission.pattern != DEFAULT_PATTERN:
            raise fail(messages.invalid_file_pattern(permission.object, permission.pattern), "pattern")
        if permission.except_patterns:
            raise fail(messages.invalid_file_except(permission.except_patterns, permission.object), "except")
    if permission.acls and any(entry.default for entry in permission.acls):
        raise fail(messages.DEFAULT_ACL_ON_FILE, "acls")


# ----------------------------------------------------------------------------------------------------
# node walker
# ----------------------------------------------------------------------------------------------------


def _optional_text(doc: Document, node: Node | None, key_path: str) -> str | None:
    if node is None or is_null(node):
        return None
    text = doc.text(node, key_path, key_path).strip()
    return text or None


def parse_context(doc: Document, node: Node, key_path: str) -> SELinuxContext:
    mapping = doc.mapping(node, key_path, key_path)
    entries = doc.entries(mapping, key_path)
    type_entry = entries.get("type")
    if type_entry is None or is_null(type_entry.value) or not shown(type_entry.value).strip():
        doc.fail(messages.invalid_context_type(messages.ruby_inspect(to_plain(mapping))), key_path, mapping)
    type_text = doc.text(type_entry.value, child(key_path, "type"), child(key_path, "type")).strip()
    user: str | None = None
    name_entry, user_entry = entries.get("name"), entries.get("user")
    if name_entry is not None:
        user = _optional_text(doc, name_entry.value, child(key_path, "name"))
    if user_entry is not None:
        alias = _optional_text(doc, user_entry.value, child(key_path, "user"))
        if name_entry is None:
            user = alias
            doc.warn(
                "the SELinux user is read from 'name:'; 'user:' is accepted as an alias here, but CodeDeploy "
                "agents ignore it — write 'name:'",
                child(key_path, "user"),
                user_entry.key_node,
            )
        else:
            doc.warn(
                "'user:' is ignored because 'name:' gives the SELinux user",
                child(key_path, "user"),
                user_entry.key_node,
            )
    role_entry = entries.get("role")
    if role_entry is not None:
        doc.warn(
            "SELinux 'role' is not supported and is ignored", child(key_path, "role"), role_entry.key_node
        )
    extra = {key: entry for key, entry in entries.items() if key not in ("user", "role")}
    doc.unknown_keys(extra, CONTEXT_KEYS, key_path, "an SELinux context")
    selinux_range = SELinuxRange()
    range_entry = entries.get("range")
    if range_entry is not None and not is_null(range_entry.value):
        range_path = child(key_path, "range")
        text = doc.text(range_entry.value, range_path, range_path)
        try:
            selinux_range = parse_selinux_range(text)
        except RuleViolation as violation:
            raise doc.error(violation.message, range_path, range_entry.value) from None
    return SELinuxContext(type=type_text, user=user, range=selinux_range)


def parse_permission(doc: Document, node: Node, key_path: str, os_name: str) -> Permission:
    """One ``permissions[i]`` entry."""
    mapping = doc.mapping(node, key_path, key_path)
    entries = doc.entries(mapping, key_path)
    obj_entry = entries.get("object")
    if obj_entry is None or is_null(obj_entry.value):
        doc.fail(messages.NO_PERMISSION_OBJECT, child(key_path, "object"), mapping)
    obj = doc.text(obj_entry.value, child(key_path, "object"), child(key_path, "object")).strip()
    if not obj:
        doc.fail(messages.NO_PERMISSION_OBJECT, child(key_path, "object"), obj_entry.value)
    if os_name != "linux":
        doc.fail(messages.PERMISSIONS_ON_WINDOWS, key_path, mapping)
    doc.unknown_keys(entries, PERMISSION_KEYS, key_path, "a permissions entry")

    def value(key: str) -> Node | None:
        entry = entries.get(key)
        return None if entry is None or is_null(entry.value) else entry.value

    pattern = DEFAULT_PATTERN
    pattern_node = value("pattern")
    if pattern_node is not None:
        pattern = doc.text(pattern_node, child(key_path, "pattern"), child(key_path, "pattern"))

    excepts: tuple[str, ...] = ()
    except_node = value("except")
    if except_node is not None:
        path = child(key_path, "except")
        excepts = tuple(text for text, _ in doc.string_list(except_node, path, path))

    types: tuple[str, ...] = OBJECT_TYPES
    type_node = value("type")
    if type_node is not None:
        path = child(key_path, "type")
        listed = doc.string_list(type_node, path, path)
        for index, (text, sub) in enumerate(listed):
            if text not in OBJECT_TYPES:
                doc.fail(messages.unsupported_object_type(text), item(path, index), sub)
        types = tuple(text for text, _ in listed)

    owner = _optional_text(doc, value("owner"), child(key_path, "owner"))
    group = _optional_text(doc, value("group"), child(key_path, "group"))

    mode: str | None = None
    mode_node = value("mode")
    if mode_node is not None:
        path = child(key_path, "mode")
        try:
            mode = normalize_mode(doc.text(mode_node, path, path))
        except RuleViolation as violation:
            raise doc.error(violation.message, path, mode_node) from None

    acls: tuple[AclEntry, ...] | None = None
    acls_node = value("acls")
    if acls_node is not None:
        path = child(key_path, "acls")
        parsed: list[AclEntry] = []
        for index, (text, sub) in enumerate(doc.string_list(acls_node, path, path)):
            try:
                parsed.append(parse_ace(text))
            except RuleViolation as violation:
                raise doc.error(violation.message, item(path, index), sub) from None
        acls = tuple(parsed)

    context: SELinuxContext | None = None
    context_node = value("context")
    if context_node is not None:
        context = parse_context(doc, context_node, child(key_path, "context"))

    return Permission(
        object=obj,
        pattern=pattern,
        except_patterns=excepts,
        types=types,
        owner=owner,
        group=group,
        mode=mode,
        acls=acls,
        context=context,
        key_path=key_path,
        line=mapping.start_mark.line + 1 if mapping.start_mark is not None else 0,
    )
