"""The texts of every appspec error and warning.

The texts CodeDeploy's agent uses (``application_specification/*.rb`` of the v1 agent, kept word for
word by the v2 agent) are reproduced verbatim, with two exceptions: the v1 typos "specifiles" and
"filespecifies" are spelled "specifies" and "file specifies", as agent v2 spells them. Texts that only
deployq has (YAML structure, strict mode, Lambda/ECS) follow the same "The deployment failed because …"
style. Where a CodeDeploy text is too vague on its own, the caller appends a detail in parentheses.

The rule functions of this package raise :class:`RuleViolation` (a message without a location); the
node walkers turn it into :class:`deployq.errors.AppSpecError` with the file, key path and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

PREFIX = "The deployment failed because "


class RuleViolation(Exception):
    """A value breaks an appspec rule; the caller adds where (file, key path, line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def with_detail(text: str, detail: str | None) -> str:
    """``text`` followed by `` (detail)`` when a detail is given."""
    return f"{text} ({detail})" if detail else text


def ruby_inspect(value: object) -> str:
    """``value`` shown as Ruby's ``inspect`` shows it, as the agent interpolates hashes and arrays."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = ", ".join(f"{ruby_inspect(k)}=>{ruby_inspect(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(ruby_inspect(item) for item in value) + "]"
    return str(value)


# ----------------------------------------------------------------------------------------------------
# CodeDeploy's own texts (§2 of the reference)
# ----------------------------------------------------------------------------------------------------

EMPTY_FILE = (
    PREFIX + "the application specification file was empty. Make sure your AppSpec file defines at "
    "minimum the 'version' and 'os' properties."
)


def invalid_version(value: str) -> str:
    return (
        PREFIX + f"an invalid version value ({value}) was entered in the application specification file. "
        'Make sure your AppSpec file specifies "0.0" as the version, and then try again.'
    )


def unsupported_os(value: str) -> str:
    return (
        PREFIX + f"the application specification file specifies an unsupported operating system ({value}). "
        'Specify either "linux" or "windows" in the os section of the AppSpec file, and then try again.'
    )


def invalid_file_exists_behavior(value: str) -> str:
    return (
        PREFIX + f"an invalid file_exists_behavior value ({value}) was entered in the application "
        "specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as "
        "the file_exists_behavior, and then try again."
    )


NO_SCRIPT_LOCATION = (
    PREFIX + "the application specification file specifies a script with no location value. Specify the "
    "location in the hooks section of the AppSpec file, and then try again."
)

INVALID_TIMEOUT = (
    PREFIX + "an invalid timeout value was provided for a script in the application specification file. "
    "Make corrections in the hooks section of the AppSpec file, and then try again."
)

NO_SOURCE = (
    PREFIX + "the application specification file specifies a destination file, but no source file. "
    "Update the files section of the AppSpec file, and then try again."
)


def no_destination(source: str) -> str:
    return (
        PREFIX + f"the application specification file specifies only a source file ({source}). Add the "
        "name of the destination file to the files section of the AppSpec file, and then try again."
    )


PERMISSIONS_ON_WINDOWS = (
    PREFIX + "the application specification file specifies file permissions, but the deployment is "
    "targeting one or more Windows Server instances. Permissions are supported only for Amazon Linux, "
    "Ubuntu Server, and Red Hat Enterprise Linux (RHEL) instances. Update the permissions section of the "
    "AppSpec file, and then try again."
)

NO_PERMISSION_OBJECT = (
    PREFIX + "a permission listed in the application specification file has no object value. Update the "
    "permissions section of the AppSpec file, and then try again."
)


def unsupported_object_type(value: str) -> str:
    return (
        PREFIX + "the application specification file specifies a permission for an object type not "
        f"supported for permissions ({value}). Update the permissions section of the AppSpec file, and "
        "then try again."
    )


def invalid_mode_length(mode: str) -> str:
    return (
        PREFIX + f"the length of a permissions mode ({mode}) in the application specification file is "
        "invalid. Permissions modes must be between one and four characters long. Update the permissions "
        "section of the AppSpec file, and then try again."
    )


def invalid_mode_character(mode: str, char: str) -> str:
    return (
        PREFIX + f"the permissions mode ({mode}) in the application specification file contains an "
        f"invalid character ({char}). Update the permissions section of the AppSpec file, and then try "
        "again."
    )


def invalid_acl_entry(ace: str) -> str:
    return (
        PREFIX + "of a problem with the acls permission settings in the application specification file. "
        f"Invalid acl entry ({ace})."
    )


def base_acl_entry(ace: str) -> str:
    return (
        PREFIX + "of a problem with the acls permission settings in the application specification file. "
        f"Use mode to set the base acl entry ({ace}). Update the permissions section of the AppSpec file, "
        "and then try again."
    )


def invalid_acl_character(ace: str, char: str) -> str:
    # "hooks section" (sic) is CodeDeploy's text.
    return (
        PREFIX + f"the access control list (ACL) named {ace} in the application specification file "
        f"contains an invalid character ({char}). Correct the ACL in the hooks section of the AppSpec "
        "file, and then try again."
    )


DEFAULT_ACL_ON_FILE = (
    PREFIX + "the -d parameter has been specified to apply an acl setting to a file. This parameter is "
    "supported for directories only. Update the AppSpec file, and then try again."
)


def invalid_file_pattern(obj: str, pattern: str) -> str:
    return (
        PREFIX + f"the application specification file includes an object ({obj}) with an invalid pattern "
        f"({pattern}), such as a pattern for a file applied to a directory. Correct the permissions "
        "section of the AppSpec file, and then try again."
    )


def invalid_file_except(excepts: Iterable[str], obj: str) -> str:
    return (
        PREFIX
        + f"the except parameter for a pattern in the permissions section ({ruby_inspect(list(excepts))}) "
        f"for the object named {obj} contains an invalid format. Update the AppSpec file, and then try again."
    )


def invalid_context_type(inspected: str) -> str:
    return (
        PREFIX + f"the application specification file specifies an invalid context type ({inspected}). "
        "Update the permissions section of the AppSpec file, and then try again."
    )


def invalid_selinux_range(value: str) -> str:
    return (
        PREFIX + f"of a problem with the SELinux range specified ({value}) for the context parameter in the "
        "permissions section of the application specification file. Make corrections in the permissions "
        "section of the AppSpec file, and then try again."
    )


def yaml_error(detail: str) -> str:
    """Agent v2's text for a file that is not well-formed YAML or has the wrong shape."""
    return PREFIX + f"of a YAML parsing error: {detail}"


def appspec_not_found(relative: str, directory: str, expected: str) -> str:
    return (
        "The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at "
        f'revision-relative path "{relative}". The revision was unpacked to directory "{directory}", and '
        f'the AppSpec file was expected but not found at path "{expected}". Consult the AWS CodeDeploy '
        "Appspec documentation for more information at "
        "http://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file.html"
    )


# ----------------------------------------------------------------------------------------------------
# deployq's own texts
# ----------------------------------------------------------------------------------------------------


def script_escapes_archive(location: str) -> str:
    return (
        PREFIX + f"the application specification file specifies a script location ({location}) that "
        "leads outside the revision archive ('..' may not climb above the archive root). Specify a path "
        "inside the revision in the hooks section of the AppSpec file, and then try again."
    )


def event_timeout_too_long(event: str, total: int) -> str:
    return (
        PREFIX + f"the scripts of lifecycle event {event} have timeouts that add up to {total} seconds, "
        "but a lifecycle event must finish within 3600 seconds. Shorten the timeouts in the hooks section "
        "of the AppSpec file, and then try again."
    )


def scriptless_event(event: str) -> str:
    return (
        PREFIX + f"the application specification file hooks scripts to {event}, which cannot run scripts "
        "(DownloadBundle, Install, BlockTraffic and AllowTraffic are run by CodeDeploy itself). Move the "
        "scripts to another lifecycle event, and then try again."
    )


def unknown_hook_event(event: str, known: Iterable[str]) -> str:
    known = list(known)
    folded = {name.lower(): name for name in known}
    hint = (
        f"; did you mean '{folded[event.lower()]}'? names are case-sensitive"
        if event.lower() in folded
        else ""
    )
    return (
        f"unknown lifecycle event '{event}' (its scripts never run; known events: {', '.join(known)}){hint}"
    )


def unknown_key(key: str, section: str, known: Iterable[str], *, strict: bool = False) -> str:
    known = list(known)
    hint = ""
    folded = {name.lower(): name for name in known}
    if key not in known and key.lower() in folded:
        hint = f"; did you mean '{folded[key.lower()]}'? keys are case-sensitive"
    verdict = "is not allowed in strict mode" if strict else "is ignored"
    return f"unknown key '{key}' in {section} {verdict} (known keys: {', '.join(known)}){hint}"


def wrong_shape(what: str, expected: str, got: str) -> str:
    return yaml_error(f"{what} must be {expected}, not {got}")
