"""Helpers of the page-preview tests: a stand-in soffice, waiting with a limit, what was sent."""

from __future__ import annotations

import asyncio
import stat
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.fakes import Call, Chat

TYPE_NAME = "单位意识形态"


def fake_soffice(tmp_path: Path, body: str) -> Path:
    """An executable shell script standing in for soffice."""
    script = tmp_path / "fake-soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def alive_in_group(group: int) -> list[int]:
    """Processes of a process group that still run (zombies waiting for their parent aside)."""
    alive = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            alive.append(int(stat_file.parent.name))
    return alive


async def until(condition: Callable[[], bool], limit: float = 20.0) -> None:
    """Wait for ``condition`` with a time limit."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def jpeg_size(picture: bytes) -> tuple[int, int]:
    """Width and height of a JPEG (from its start-of-frame marker); AssertionError if not a JPEG."""
    assert picture.startswith(b"\xff\xd8"), "not a JPEG"
    at = 2
    while at + 9 < len(picture):
        marker, length = picture[at + 1], struct.unpack(">H", picture[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):  # baseline, extended, progressive
            height, width = struct.unpack(">HH", picture[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise AssertionError("JPEG without a frame header")


def photos(calls: list[Call]) -> list[bytes]:
    """The pictures sent as an album or a single photo."""
    return [
        bytes(content)
        for c in calls
        if c.method in ("sendMediaGroup", "sendPhoto")
        for _, content in c.files.values()
    ]


def documents(calls: list[Call]) -> list[tuple[str, bytes]]:
    """The files sent as documents: name and content."""
    return [(str(n), bytes(b)) for c in calls if c.method == "sendDocument" for n, b in c.files.values()]


async def start_report(chat: Chat) -> None:
    """Start a unit report and name the unit."""
    await chat.send("/new")
    await chat.press(TYPE_NAME)
    await chat.send("甲局")


def chinese_fonts_in(pdf: bytes, folder: Path) -> set[str]:
    """The fonts embedded in ``pdf`` that have Chinese glyphs (fontconfig's PostScript names)."""
    path = folder / "fonts-check.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = {line.split()[0].split("+")[-1] for line in listed.splitlines()[2:] if line.strip()}
    chinese = subprocess.run(
        ["fc-list", ":lang=zh", "postscriptname"], capture_output=True, text=True, check=True
    ).stdout
    return embedded & {line.split("=", 1)[-1].strip() for line in chinese.splitlines()}
