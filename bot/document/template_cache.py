"""Compiled report templates kept on disk, so a one-off ``reportbot render`` does not compile its
type's templates again on every run (BENCHMARKS.md, "Render")."""

from __future__ import annotations

import pickle

from jinja2 import __version__ as jinja_version
from jinja2.bccache import Bucket, BytecodeCache

from bot.disk_cache import DiskCache, key, source_of


class TemplateCache(BytecodeCache):
    """Jinja2's bytecode cache over a ``DiskCache``.

    Jinja2 checks each entry against its template's source; the entry's name adds what Jinja2
    does not check: its own version and the code that sets up the environment (``code``).
    """

    def __init__(self, cache: DiskCache, *code_files: str) -> None:
        self.cache = cache
        self.code = key(jinja_version, source_of(*code_files))

    def _name(self, bucket: Bucket) -> str:
        return "jinja-" + key(self.code, bucket.key)

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` from the disk if it holds this template's code; otherwise leave it empty."""
        data = self.cache.get(self._name(bucket))
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError):
            bucket.reset()  # unreadable: Jinja2 compiles the template again

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the newly compiled template's code."""
        self.cache.put(self._name(bucket), bucket.bytecode_to_string())
