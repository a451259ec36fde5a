"""Logging for the long-running bot: records never carry a secret, tracebacks included."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "***"
# A shorter secret is not replaced: blanking every "a" in the log would protect nothing.
MIN_SECRET = 8


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret (longest first) replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class Redactor(logging.Filter):
    """Renders a record (message with its args, traceback, stack) to one redacted text.

    A filter cannot know which of a record's parts a formatter will print, so it prints them all
    itself, replaces the secrets and leaves the formatter nothing else to add: ``args``,
    ``exc_info``, ``exc_text`` and ``stack_info`` are cleared.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(secrets)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` without the secrets; always let it through."""
        try:
            parts = [record.getMessage()]
        except Exception:  # a bad format string must not take the secret past the filter
            parts = [f"{record.msg!r} % {record.args!r}"]
        if record.exc_info and record.exc_info[0] is not None:
            parts.append(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        record.msg = redact("\n".join(parts), self.secrets)
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def install(secrets: Iterable[str], level: int = logging.INFO) -> Redactor:
    """Log to stderr, every root handler behind a :class:`Redactor`; uncaught tracebacks too.

    Call it first: a handler added to the root logger later is not covered.
    """
    redactor = Redactor(secrets)
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(stream)
    root.setLevel(level)
    for handler in root.handlers:
        handler.addFilter(redactor)
    # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The openai client logs whole requests at DEBUG: a report section's text has no place in logs.
    logging.getLogger("openai").setLevel(logging.WARNING)

    def excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redact(text, redactor.secrets))

    sys.excepthook = excepthook
    return redactor
