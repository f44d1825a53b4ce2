"""Fetching a revision from the local filesystem: a bundle file is copied, a directory copied as a tree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from deployq.bundle.digest import copy_hashed, tree_sha256
from deployq.bundle.fetched import FetchedBundle
from deployq.bundle.fs import atomic_file, remove_tree, replace_path, staging_dir
from deployq.bundle.location import DIRECTORY, LocalLocation, bundle_type_for
from deployq.errors import BundleError


def fetch_local(location: LocalLocation, workdir: Path, file_name: str) -> FetchedBundle:
    """Copy ``location`` into ``workdir``: a file to ``workdir/<file_name>``, a directory to ``workdir/bundle``."""
    source = Path(os.path.abspath(location.path))
    if not source.exists():
        raise BundleError(f"local revision {source} was not found")
    if source.is_dir():
        if location.bundle_type not in (None, DIRECTORY):
            raise BundleError(f"local revision {source} is a directory, not a {location.bundle_type} bundle")
        return _copy_tree(source, workdir / "bundle")
    if location.bundle_type == DIRECTORY:
        raise BundleError(f"local revision {source} is not a directory")
    bundle_type = bundle_type_for(location.bundle_type, source.name)
    target = workdir / file_name
    try:
        with open(source, "rb") as data, atomic_file(target) as out:
            sha256, _ = copy_hashed(data.read, out, target)
    except OSError as exc:
        raise BundleError(f"cannot read local revision {source}: {exc.strerror}") from None
    return FetchedBundle(target, bundle_type, sha256)


def _copy_tree(source: Path, target: Path) -> FetchedBundle:
    staging = staging_dir(target, "copy")
    try:
        tree = staging / "tree"
        try:
            shutil.copytree(source, tree, symlinks=True)
        except shutil.Error as exc:
            problems = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [exc]
            first = problems[0]
            detail = f"{first[0]}: {first[2]}" if isinstance(first, tuple) and len(first) == 3 else str(first)
            raise BundleError(f"cannot copy local revision {source}: {detail}") from None
        except OSError as exc:
            raise BundleError(f"cannot copy local revision {source}: {exc}") from None
        replace_path(tree, target)
    finally:
        remove_tree(staging)
    return FetchedBundle(target, DIRECTORY, tree_sha256(target))
