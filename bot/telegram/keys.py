"""Callback data of inline buttons: short ASCII, at most 64 bytes, validated on the way back."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64

# op -> number of integer arguments
OPS: dict[str, int] = {
    "new": 1,  # start a report of type n (catalogue order)
    "res": 1,  # resume report
    "del": 1,  # ask to delete report
    "delok": 1,  # delete report, confirmed
    "delno": 1,  # keep report
    "ch": 3,  # report, question position, option number: choose or toggle
    "fin": 2,  # report, question position: finish a list or multi choice
    "ok": 2,  # report, question position: accept (take the offered answer / keep the current one)
    "sk": 2,  # report, question position: skip
    "bk": 2,  # report, question position: back
    "sec": 2,  # report, section number
    "ed": 2,  # report, review item number
    "pf": 1,  # profile field number to change
    "pfx": 0,  # stop changing the profile
    # A section's printed text (report, section number): show, keep, rewrite, restore; polish
    # (with its attempt, 1 or 2), polish confirmed after the notice, notice declined; a polished
    # text taken or dropped; after an answer changed in a rewritten section, keep or regenerate.
    "sv": 2,
    "skp": 2,
    "srw": 2,
    "srs": 2,
    "spo": 3,
    "spk": 3,
    "spx": 2,
    "sad": 2,
    "sdr": 2,
    "sko": 2,
    "srg": 2,
}
_KEY_RE = re.compile(r"^([a-z]{1,5})((?::[0-9]{1,12}){0,3})$")


@dataclass(frozen=True)
class Key:
    """A parsed button press."""

    op: str
    args: tuple[int, ...]


def encode(op: str, *args: int) -> str:
    """Callback data for a button."""
    if OPS.get(op) != len(args):
        raise ValueError(f"{op} takes {OPS.get(op)} arguments")
    data = ":".join([op, *(str(a) for a in args)])
    assert len(data.encode()) <= MAX_BYTES
    return data


def decode(data: object) -> Key | None:
    """The press, or None when the data is not something this bot made (nor a string at all)."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    match = _KEY_RE.match(data)
    if not match or match.group(1) not in OPS:
        return None
    args = tuple(int(a) for a in match.group(2).split(":")[1:])
    if len(args) != OPS[match.group(1)]:
        return None
    return Key(match.group(1), args)
