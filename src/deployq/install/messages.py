"""The texts of Install errors.

CodeDeploy's own texts (agent v1 ``install_instruction.rb``/``installer.rb``, kept word for word by agent
v2) are reproduced verbatim, "Update the files section" for a permissions problem included. Texts only
deployq has (checks the agents do not make, or make only half-way through the copy) follow the same
"The deployment failed because …" style.
"""

from __future__ import annotations

PREFIX = "The deployment failed because "

# ----------------------------------------------------------------------------------------------------
# CodeDeploy's texts (§3 of the reference)
# ----------------------------------------------------------------------------------------------------


def duplicate_copy_target(source: str, existing_source: str, destination: str) -> str:
    return (
        PREFIX + f"the application specification file specifies two source files named {source} and "
        f"{existing_source} for the same destination ({destination}). Remove one of the source file paths "
        "from the AppSpec file, and then try again."
    )


def copy_onto_mkdir(source: str, destination: str) -> str:
    return (
        PREFIX + f"the application specification file calls for installing the file {source}, but a file "
        f"with that name already exists at the location ({destination}). Update your AppSpec file or "
        "directory structure, and then try again."
    )


def mkdir_onto_copy(destination: str, existing_source: str) -> str:
    return (
        PREFIX + "the application specification file includes an mkdir command more than once for the same "
        f"destination path ({destination}) from ({existing_source}). Update the files section of the AppSpec "
        "file, and then try again."
    )


def duplicate_permission(target: str) -> str:
    return (
        PREFIX + f"the permissions setting for ({target}) is specified more than once in the application "
        "specification file. Update the files section of the AppSpec file, and then try again."
    )


def file_already_exists(destination: str) -> str:
    return PREFIX + f"a specified file already exists at this location: {destination}"


def invalid_file_exists_behavior(value: str) -> str:
    return (
        PREFIX + f"an invalid option was specified for fileExistsBehavior: {value}. Valid options include "
        "OVERWRITE, RETAIN, and DISALLOW."
    )


def setfacl_failed(target: str, command: str, exit_code: int) -> str:
    return (
        PREFIX + "of a problem with the acls permission settings in the application specification file for "
        f"this object: {target}. Failed command: {command}. Exit code: {exit_code}"
    )


def semanage_failed(command: str, exit_code: int) -> str:
    return (
        PREFIX + "the application specification file contains an error in the settings for the context "
        "parameter. Update the permissions section of the AppSpec file, and then try again. Failed command: "
        f"{command}. Exit code: {exit_code}"
    )


# ----------------------------------------------------------------------------------------------------
# deployq's own texts
# ----------------------------------------------------------------------------------------------------


def missing_source(source: str, path: str) -> str:
    return (
        PREFIX + f"the application specification file specifies a source ({source}) that does not exist in "
        f"the revision (looked for {path}). Correct the files section of the AppSpec file or the revision, "
        "and then try again."
    )


def source_escapes_archive(source: str) -> str:
    return (
        PREFIX + f"the application specification file specifies a source ({source}) that leads outside the "
        "revision archive ('..' or a symbolic link may not lead above the archive root). Correct the files "
        "section of the AppSpec file, and then try again."
    )


def unsupported_source_type(path: str) -> str:
    return (
        PREFIX + f"the revision contains {path}, which is neither a regular file, a directory nor a symbolic "
        "link, so it cannot be installed. Remove it from the revision, and then try again."
    )


def relative_path(what: str, value: str) -> str:
    return (
        PREFIX + f"the application specification file specifies a relative {what} ({value}). deployq "
        "requires absolute paths (CodeDeploy's agent would resolve it against its own working directory). "
        "Write an absolute path in the AppSpec file, and then try again."
    )


def not_a_directory(needed: str, destination: str) -> str:
    return (
        PREFIX + f"installing {destination} needs the directory {needed}, but {needed} exists and is not a "
        "directory. Remove it from the instance or change the destination in the AppSpec file, and then try "
        "again."
    )


def overwrite_directory(destination: str) -> str:
    return (
        PREFIX + f"a file of the revision would overwrite the directory {destination} "
        "(file_exists_behavior OVERWRITE replaces files only). Remove the directory from the instance or "
        "change the destination in the AppSpec file, and then try again."
    )


def tool_missing(tool: str, purpose: str, package: str) -> str:
    return (
        PREFIX + f"this permissions entry {purpose}, but {tool} is not installed on this instance (not found "
        f"on PATH). Install {package}, or remove the setting from the permissions section of the AppSpec file, "
        "and then try again."
    )


def unknown_user(name: str) -> str:
    return (
        PREFIX + f"the permissions entry names the owner {name}, but no such user exists on this instance. "
        "Create the user or correct the permissions section of the AppSpec file, and then try again."
    )


def unknown_group(name: str) -> str:
    return (
        PREFIX + f"the permissions entry names the group {name}, but no such group exists on this instance. "
        "Create the group or correct the permissions section of the AppSpec file, and then try again."
    )


def unknown_acl_name(kind: str, name: str) -> str:
    return (
        PREFIX + f"an ACL entry of the permissions entry names the {kind} {name}, but no such {kind} exists "
        "on this instance. Create it or correct the acls in the permissions section of the AppSpec file, and "
        "then try again."
    )


def invalid_id(what: str, value: str) -> str:
    return f"invalid {what} {value!r}: it must be a non-empty file name (no '/', not '.' or '..')"
