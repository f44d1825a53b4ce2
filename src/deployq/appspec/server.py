"""The EC2/on-premises (``Server``) appspec: ``version``, ``os``, ``hooks``, ``files``, ``permissions``,
``file_exists_behavior`` (§2 of the reference), with deployq's deliberate decisions:

* ``version`` must equal 0.0: ``0.0``, ``0``, ``0.00`` and, unlike the CodeDeploy agents, the quoted
  string ``"0.0"`` (accepted with a warning, since CodeDeploy's own message asks for it).
* ``os`` must equal the agent platform given by the caller (``linux`` or ``windows``), case-sensitive.
* ``hooks`` maps event → list of ``{location, timeout, runas, sudo}`` in the order written; a null (or
  empty) event is dropped. ``timeout`` is a whole number of seconds > 0 (decimal digits, quoted or
  not; no ``to_i`` coercion of ``"5m"`` or ``30.9``), default 3600, no cap per script. ``location`` is
  stripped and may not climb out of the archive with ``..``. ``runas`` is stripped (blank → none).
* Unknown top-level keys, unknown keys inside entries and unknown hook events are warnings
  (``strict=True``: errors). ``strict`` also refuses scripts hooked to events that cannot run scripts
  (DownloadBundle, Install, BlockTraffic, AllowTraffic; otherwise a warning) and events whose explicit
  script timeouts add up to more than 3600 s (otherwise a warning; scripts without a timeout are not
  counted, as the AWS appspec-assistant counts them).
* Shapes CodeDeploy crashes on (a list for ``hooks``, a string for an event's scripts, a mapping for
  ``files`` …) get a clear error naming the key path.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node

from deployq.appspec import messages
from deployq.appspec.model import DEFAULT_TIMEOUT, AppSpec, FileMapping, HookMap, HookScript, Permission
from deployq.appspec.permissions import parse_permission
from deployq.appspec.toplevel import load_root, parse_version
from deployq.appspec.yamlnodes import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    STR_TAG,
    Document,
    Entry,
    child,
    describe,
    is_null,
    item,
    line_of,
    scalar_value,
    shown,
)
from deployq.domain.enums import SCRIPTLESS_EVENTS, FileExistsBehavior, LifecycleEventName

TOP_LEVEL_KEYS = ("version", "os", "hooks", "files", "permissions", "file_exists_behavior")
SCRIPT_KEYS = ("location", "timeout", "runas", "sudo")
FILE_KEYS = ("source", "destination")
AGENT_OSES = ("linux", "windows")
MAX_EVENT_SECONDS = 3600
#: The events a script can be hooked to, in the agent's order.
SCRIPT_EVENTS = tuple(event.value for event in LifecycleEventName if event not in SCRIPTLESS_EVENTS)
_EVENT_NAMES = frozenset(event.value for event in LifecycleEventName)


def _parse_os(doc: Document, entries: dict[str, Entry], root: Node, os_name: str) -> str:
    entry = entries.get("os")
    if entry is None or is_null(entry.value):
        doc.fail(messages.unsupported_os(""), "os", root if entry is None else entry.value)
    value = shown(entry.value)
    if value != os_name:
        detail = f"this deployment targets {os_name} instances" if value in AGENT_OSES else None
        doc.fail(messages.with_detail(messages.unsupported_os(value), detail), "os", entry.value)
    return os_name


def _parse_file_exists_behavior(doc: Document, entries: dict[str, Entry]) -> FileExistsBehavior | None:
    entry = entries.get("file_exists_behavior")
    if entry is None or is_null(entry.value):
        return None
    value = shown(entry.value)
    if value not in {member.value for member in FileExistsBehavior}:
        doc.fail(messages.invalid_file_exists_behavior(value), "file_exists_behavior", entry.value)
    return FileExistsBehavior(value)


# ----------------------------------------------------------------------------------------------------
# hooks
# ----------------------------------------------------------------------------------------------------


def _parse_timeout(doc: Document, node: Node | None, key_path: str) -> int:
    """A whole number of seconds > 0, written as decimal digits (quoted or not); default 3600.

    The digits are read as written, so an unquoted ``0600`` is 600 s, not YAML 1.1's octal 384.
    """
    if node is None or is_null(node):
        return DEFAULT_TIMEOUT
    text = shown(node).strip()
    if node.tag in (INT_TAG, STR_TAG) and re.fullmatch(r"[0-9]+", text):
        seconds = int(text, 10)
        if seconds > 0:
            return seconds
        detail = f"got {text}; the timeout must be at least 1 second"
    elif node.tag == INT_TAG and re.fullmatch(r"-[0-9_]+", text):
        detail = f"got {text}; the timeout must be at least 1 second"
    elif node.tag in (BOOL_TAG, FLOAT_TAG, INT_TAG, STR_TAG):
        detail = f"got '{text}'; write a whole number of seconds"
    else:
        detail = f"got {describe(node)}; write a whole number of seconds"
    doc.fail(messages.with_detail(messages.INVALID_TIMEOUT, detail), key_path, node)


def _escapes_archive(location: str) -> bool:
    depth = 0
    for part in re.split(r"[\\/]+", location):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def _parse_script(doc: Document, node: Node, key_path: str, os_name: str) -> tuple[HookScript, bool]:
    """One script, and whether its timeout was written (for the per-event sum)."""
    if not isinstance(node, MappingNode):
        doc.fail(
            messages.wrong_shape(key_path, "a mapping with at least a 'location' key", describe(node)),
            key_path,
            node,
        )
    entries = doc.entries(node, key_path)
    location_entry = entries.get("location")
    if location_entry is None or is_null(location_entry.value):
        doc.fail(messages.NO_SCRIPT_LOCATION, child(key_path, "location"), node)
    location_path = child(key_path, "location")
    location = doc.text(location_entry.value, location_path, location_path).strip()
    if not location:
        doc.fail(messages.NO_SCRIPT_LOCATION, location_path, location_entry.value)
    if _escapes_archive(location):
        doc.fail(messages.script_escapes_archive(location), location_path, location_entry.value)

    timeout_entry = entries.get("timeout")
    timeout = _parse_timeout(
        doc, None if timeout_entry is None else timeout_entry.value, child(key_path, "timeout")
    )

    runas: str | None = None
    runas_entry = entries.get("runas")
    if runas_entry is not None and not is_null(runas_entry.value):
        runas = (
            doc.text(runas_entry.value, child(key_path, "runas"), child(key_path, "runas")).strip() or None
        )
        if runas is not None and os_name == "windows":
            doc.warn("runas is ignored on Windows instances", child(key_path, "runas"), runas_entry.value)

    sudo: bool | None = None
    sudo_entry = entries.get("sudo")
    if sudo_entry is not None and not is_null(sudo_entry.value):
        if sudo_entry.value.tag != BOOL_TAG:
            doc.fail(
                messages.wrong_shape(child(key_path, "sudo"), "true or false", describe(sudo_entry.value)),
                child(key_path, "sudo"),
                sudo_entry.value,
            )
        sudo = bool(scalar_value(sudo_entry.value))

    doc.unknown_keys(entries, SCRIPT_KEYS, key_path, "a hook script")
    given = timeout_entry is not None and not is_null(timeout_entry.value)
    return HookScript(location, timeout, runas, sudo, key_path=key_path, line=line_of(node)), given


def _parse_hooks(doc: Document, entries: dict[str, Entry], os_name: str) -> HookMap:
    entry = entries.get("hooks")
    if entry is None or is_null(entry.value):
        return HookMap()
    node = entry.value
    if not isinstance(node, MappingNode):
        doc.fail(
            messages.wrong_shape(
                "hooks",
                "a mapping of lifecycle event names to lists of scripts (Event: then '- location: …')",
                describe(node),
            ),
            "hooks",
            node,
        )
    hooks: dict[str, tuple[HookScript, ...]] = {}
    for event, event_entry in doc.entries(node, "hooks").items():
        path = child("hooks", event)
        if event not in _EVENT_NAMES:
            doc.lenient(messages.unknown_hook_event(event, SCRIPT_EVENTS), path, event_entry.key_node)
        if is_null(event_entry.value):
            continue
        listed = doc.sequence(event_entry.value, path, path, "of scripts, each a mapping with 'location'")
        parsed = [
            _parse_script(doc, sub, item(path, index), os_name) for index, sub in enumerate(listed.value)
        ]
        scripts = tuple(script for script, _ in parsed)
        if not scripts:
            continue
        if event in SCRIPTLESS_EVENTS:
            if doc.strict:
                doc.fail(messages.scriptless_event(event), path, event_entry.key_node)
            doc.warn(
                f"scripts hooked to {event} never run: CodeDeploy runs DownloadBundle, Install, BlockTraffic "
                "and AllowTraffic itself",
                path,
                event_entry.key_node,
            )
        explicit = sum(script.timeout for script, given in parsed if given)
        if explicit > MAX_EVENT_SECONDS:
            if doc.strict:
                doc.fail(messages.event_timeout_too_long(event, explicit), path, event_entry.key_node)
            doc.warn(
                f"the script timeouts of {event} add up to {explicit} s; CodeDeploy fails a lifecycle event "
                f"that runs longer than {MAX_EVENT_SECONDS} s",
                path,
                event_entry.key_node,
            )
        hooks[event] = scripts
    return HookMap(hooks)


# ----------------------------------------------------------------------------------------------------
# files and permissions
# ----------------------------------------------------------------------------------------------------


def _parse_files(doc: Document, entries: dict[str, Entry]) -> tuple[FileMapping, ...]:
    entry = entries.get("files")
    if entry is None or is_null(entry.value):
        return ()
    listed = doc.sequence(entry.value, "files", "files", "of '- source: …' / '  destination: …' entries")
    result: list[FileMapping] = []
    for index, node in enumerate(listed.value):
        path = item("files", index)
        if not isinstance(node, MappingNode):
            doc.fail(
                messages.wrong_shape(path, "a mapping with 'source' and 'destination'", describe(node)),
                path,
                node,
            )
        mapping = doc.entries(node, path)
        source_entry, destination_entry = mapping.get("source"), mapping.get("destination")
        if source_entry is None or is_null(source_entry.value):
            doc.fail(messages.NO_SOURCE, child(path, "source"), node)
        source = doc.text(source_entry.value, child(path, "source"), child(path, "source"))
        if destination_entry is None or is_null(destination_entry.value):
            doc.fail(messages.no_destination(source), child(path, "destination"), node)
        destination = doc.text(
            destination_entry.value, child(path, "destination"), child(path, "destination")
        )
        if not destination.strip():
            doc.fail(
                messages.with_detail(messages.no_destination(source), "the destination is empty"),
                child(path, "destination"),
                destination_entry.value,
            )
        doc.unknown_keys(mapping, FILE_KEYS, path, "a files entry")
        result.append(FileMapping(source, destination, key_path=path, line=line_of(node)))
    return tuple(result)


def _parse_permissions(doc: Document, entries: dict[str, Entry], os_name: str) -> tuple[Permission, ...]:
    entry = entries.get("permissions")
    if entry is None or is_null(entry.value):
        return ()
    listed = doc.sequence(entry.value, "permissions", "permissions", "of '- object: …' entries")
    return tuple(
        parse_permission(doc, node, item("permissions", index), os_name)
        for index, node in enumerate(listed.value)
    )


def _top_level_hint(key: str) -> str:
    if key in _EVENT_NAMES:
        return f"; '{key}' is a lifecycle event: indent it under 'hooks:'"
    if key in ("Resources", "Hooks"):
        return f"; '{key}' belongs to Lambda and ECS AppSpec files"
    return ""


def parse(
    text: str, *, filename: str = "appspec.yml", os_name: str = "linux", strict: bool = False
) -> AppSpec:
    """Parse and validate an EC2/on-premises appspec (YAML or JSON).

    ``os_name`` is the platform of the agent that will run it (``linux`` or ``windows``). Raises
    :class:`~deployq.errors.AppSpecError` naming ``filename``, the key path and the line.
    """
    if os_name not in AGENT_OSES:
        raise ValueError(f"os_name must be one of {AGENT_OSES}, not {os_name!r}")
    doc = Document(filename, strict)
    root = load_root(doc, text, TOP_LEVEL_KEYS)
    entries = doc.entries(root, "")
    version = parse_version(doc, entries, root)
    os_value = _parse_os(doc, entries, root, os_name)
    file_exists_behavior = _parse_file_exists_behavior(doc, entries)
    hooks = _parse_hooks(doc, entries, os_name)
    files = _parse_files(doc, entries)
    permissions = _parse_permissions(doc, entries, os_name)
    for key, entry in entries.items():
        if key not in TOP_LEVEL_KEYS:
            doc.lenient(
                messages.unknown_key(key, "the AppSpec file", TOP_LEVEL_KEYS) + _top_level_hint(key),
                key,
                entry.key_node,
                messages.unknown_key(key, "the AppSpec file", TOP_LEVEL_KEYS, strict=True) + _top_level_hint(key),
            )
    return AppSpec(
        version=version,
        os=os_value,
        files=files,
        permissions=permissions,
        hooks=hooks,
        file_exists_behavior=file_exists_behavior,
        warnings=tuple(doc.warnings),
    )
