"""Every message key the code uses exists in templates/messages.toml, and vice versa."""

from __future__ import annotations

import re

from bot.interview.messages import Messages
from tests.support.paths import REPO

SOURCES = sorted((REPO / "bot").rglob("*.py"))


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\.text\(\s*"([a-z_.]+)"', text))
        keys |= {f"error.{k}" for k in re.findall(r'_reject\(\s*state,\s*"([a-z_]+)"', text)}
        keys |= {f"error.{k}" for k in re.findall(r'Rejected\(\s*"([a-z_]+)"', text)}
        keys |= set(re.findall(r'"(prompt\.(?:un)?selected_mark)"', text))
    return keys


def test_every_used_key_exists(messages: Messages) -> None:
    missing = used_keys() - messages.keys()
    assert not missing


def test_every_error_key_is_used(messages: Messages) -> None:
    known = messages.keys()
    unused = {k for k in known if k.startswith("error.")} - used_keys()
    assert not unused
