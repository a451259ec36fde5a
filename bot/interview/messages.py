"""The catalogue of user-facing texts, kept as data in ``templates/messages.toml``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MESSAGES_FILE = "messages.toml"


class MessagesError(Exception):
    """The message catalogue is missing, malformed or lacks a key."""


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, str):
            flat[name] = value
        else:
            raise MessagesError(f"message '{name}' must be a string")
    return flat


class Messages:
    """Texts by dotted key (``error.not_integer``), formatted with ``str.format`` parameters."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = dict(texts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Messages) and other._texts == self._texts

    @classmethod
    def load(cls, root: Path) -> Messages:
        """Read ``root/messages.toml``."""
        path = root / MESSAGES_FILE
        try:
            with path.open("rb") as fh:
                return cls(_flatten(tomllib.load(fh)))
        except FileNotFoundError:
            raise MessagesError(f"{path}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise MessagesError(f"{path}: not valid TOML: {exc}") from None

    def __contains__(self, key: str) -> bool:
        return key in self._texts

    def keys(self) -> set[str]:
        """Every key in the catalogue."""
        return set(self._texts)

    def text(self, key: str, **params: Any) -> str:
        """The text for ``key`` with ``params`` filled in."""
        try:
            template = self._texts[key]
        except KeyError:
            raise MessagesError(f"message '{key}' is missing from {MESSAGES_FILE}") from None
        try:
            return template.format(**params)
        except (KeyError, IndexError) as exc:
            raise MessagesError(f"message '{key}' uses an unknown parameter {exc}") from None
