"""The report definitions and the message catalogue kept parsed on disk between starts.

Reading and checking the five definitions and the catalogue takes about 13 ms of every start
of the bot or a command; reading them back takes about 1 ms (BENCHMARKS.md, "Start-up"). An
entry's name covers every file read, where they are, and the source of the code that parses
them and of the classes they are made of: a change to any of them is a new entry.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.disk_cache import DiskCache, key, source_of
from bot.interview.definition_file import DEFINITION_FILE, report_folders
from bot.interview.messages import MESSAGES_FILE
from bot.service.reports import Templates

# The code that reads the files and the classes the entry is made of.
_INTERVIEW = Path(__file__).parent.parent / "interview"
CODE = (*sorted(str(p) for p in _INTERVIEW.glob("*.py")), str(Path(__file__).with_name("reports.py")))


def load_templates(root: Path, cache: DiskCache | None) -> Templates:
    """``Templates.load(root)``, read back from ``cache`` when these files were parsed before."""
    if cache is None:
        return Templates.load(root)
    try:
        name = "templates-" + key(sys.version, source_of(*CODE), *_inputs(root)) + ".pickle"
    except OSError:
        return Templates.load(root)  # a folder that cannot be read: the loader says why
    data = cache.get(name)
    if data is not None:
        try:
            templates = pickle.loads(data)
        except Exception:  # whatever an unreadable entry raises: parsed again
            templates = None
        if isinstance(templates, Templates):
            return templates
    templates = Templates.load(root)
    cache.put(name, pickle.dumps(templates, protocol=pickle.HIGHEST_PROTOCOL))
    return templates


def _inputs(root: Path) -> Iterator[str | bytes]:
    """What the templates are read from: the folder, each definition and the catalogue."""
    yield str(root.resolve())
    for folder in report_folders(root):
        yield folder.name
        yield (folder / DEFINITION_FILE).read_bytes()
    messages = root / MESSAGES_FILE
    yield messages.read_bytes() if messages.exists() else b""
