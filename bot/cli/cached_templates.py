"""The report definitions and messages, kept parsed on disk between starts of the bot.

Parsing and checking the five definitions and the message catalogue is 11–13 ms of every start
(BENCHMARKS.md, "Start-up"); reading the parsed result back is about 1 ms. The entry's key holds
every file the loader reads and the code that parses them, so an edited definition or a new
version of the bot is parsed afresh; a broken definition is never cached, so it fails as before.
Entries are unpickled: the cache folder must be this user's own, as the bot's ``.pyc`` files are.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import bot.interview
from bot.disk_cache import DiskCache, key, source_of
from bot.interview.definition_file import DEFINITION_FILE, report_folders
from bot.interview.messages import MESSAGES_FILE
from bot.service.reports import Templates


def _key(root: Path) -> str:
    """Every file the loader reads (its path and bytes) and the code that parses them."""
    files = [folder / DEFINITION_FILE for folder in report_folders(root)] + [root / MESSAGES_FILE]
    code = sorted(str(p) for p in Path(bot.interview.__file__).parent.glob("*.py"))
    parts: list[bytes | str] = [source_of(*code, __file__)]
    for file in files:
        parts += [str(file.resolve()), file.read_bytes()]
    return key(*parts)


def load_templates(root: Path, cache: DiskCache | None) -> Templates:
    """``Templates.load(root)``, from the cache when it holds this parse of these files."""
    if cache is None:
        return Templates.load(root)
    try:
        name = f"templates-{_key(root)}.pickle"
    except OSError:
        return Templates.load(root)  # a file is missing or unreadable: the loader says which
    data = cache.get(name)
    if data is not None:
        try:
            types, messages = pickle.loads(data)
            return Templates(types, messages)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            pass  # written by other code under the same key: parse again
    templates = Templates.load(root)
    cache.put(name, pickle.dumps((templates.types, templates.messages), protocol=pickle.HIGHEST_PROTOCOL))
    return templates
