"""Results kept on disk between processes, each under a key naming everything it was made from.

A one-off command (``reportbot render``) or a restarted bot would otherwise rebuild on every
start what only changes with the code, the settings or the templates (BENCHMARKS.md, "Render").
Every entry is stored with a checksum of its bytes: a torn or corrupt file reads as missing,
and the caller builds the value again. The cache is an optimisation only: a folder that cannot
be read or written leaves everything working, just slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Mapping
from pathlib import Path

# Part of every key: a change to how entries are stored makes old ones unreadable, not wrong.
FORMAT = b"reportbot-cache-1"
_DIGEST = hashlib.sha256().digest_size


def default_folder(env: Mapping[str, str]) -> Path | None:
    """REPORTBOT_CACHE (a folder or `off`), else $XDG_CACHE_HOME/reportbot, else ~/.cache/reportbot."""
    raw = (env.get("REPORTBOT_CACHE") or "").strip()
    if raw.lower() == "off":
        return None
    if raw:
        return Path(raw)
    base = (env.get("XDG_CACHE_HOME") or "").strip()
    if base:
        return Path(base) / "reportbot"
    home = (env.get("HOME") or "").strip()
    return Path(home) / ".cache" / "reportbot" if home else None


def key(*parts: bytes | str) -> str:
    """A hex key over ``parts`` (each length-prefixed, so no two lists of parts share a key)."""
    digest = hashlib.sha256(FORMAT)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def source_of(*files: str) -> bytes:
    """The bytes of source files, for a key: a change to the code that builds an entry is a new key."""
    return b"".join(Path(file).read_bytes() for file in files)


class DiskCache:
    """A folder of entries, each a file named by its key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, name: str) -> bytes | None:
        """The entry's bytes, or None when it is missing, unreadable or corrupt."""
        try:
            stored = (self.folder / name).read_bytes()
        except OSError:
            return None
        checksum, data = stored[:_DIGEST], stored[_DIGEST:]
        if len(checksum) != _DIGEST or hashlib.sha256(data).digest() != checksum:
            return None
        return data

    def put(self, name: str, data: bytes) -> None:
        """Store an entry atomically (a reader never sees half of it); failures are ignored."""
        # One writer per file name: another process or thread writing the same entry uses its own.
        tmp = self.folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(hashlib.sha256(data).digest() + data)
            os.replace(tmp, self.folder / name)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
