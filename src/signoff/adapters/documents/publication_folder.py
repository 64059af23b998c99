"""A publication on disk: one dated folder per version, its files, and a manifest of their SHA-256.

The folder is written whole under a temporary name and renamed into place, so a reader never sees half
of it. A folder that exists with no publication recorded in the database is what a crashed attempt left
behind; the caller, holding the sign-off's lock, replaces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from signoff.domain.publication import PublishedFile, WrittenPublication

MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_publication(
    root: Path, folder_name: str, files: list[PublishedFile], facts: dict[str, Any]
) -> WrittenPublication:
    manifest = {
        **facts,
        "files": [
            {"name": f.name, "media_type": f.media_type, "bytes": len(f.data), "sha256": sha256(f.data)}
            for f in files
        ],
    }
    manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    root.mkdir(parents=True, exist_ok=True)
    final = root / folder_name
    partial = root / f".{folder_name}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    try:
        for published in [*files, PublishedFile(MANIFEST, "application/json", manifest_bytes)]:
            (partial / published.name).write_bytes(published.data)
        if final.exists():
            shutil.rmtree(final)  # left by an attempt that never reached the database
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return WrittenPublication(final, sha256(manifest_bytes))


def remove_publication(folder: Path) -> None:
    """Undo a write whose publication could not be recorded."""
    shutil.rmtree(folder, ignore_errors=True)


def listed_files(folder: Path, manifest_sha256: str) -> dict[str, dict[str, Any]]:
    """The files the folder's manifest lists, and that are there, by name: nothing else is to be served.

    A missing or unreadable manifest lists nothing; so does one that is not the manifest recorded (its
    SHA-256 is not `manifest_sha256`: a manifest rewritten on disk vouches for nothing it lists), and an
    entry naming a path outside the folder.
    """
    try:
        raw = (folder / MANIFEST).read_bytes()
        data = json.loads(raw.decode("utf-8")) if sha256(raw) == manifest_sha256 else {}
    except (OSError, ValueError):
        return {}
    entries = data.get("files", []) if isinstance(data, dict) else []
    found: dict[str, dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if (
            isinstance(name, str)
            and "/" not in name
            and "\\" not in name
            and name not in (".", "..", MANIFEST)
            and (folder / name).is_file()
        ):
            found[name] = entry
    return found
