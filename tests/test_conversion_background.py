"""Conversions run at the lowest priority and off the CPU that serves the disk's interrupts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.document.background import background_command, interrupt_cpu

# This machine's /proc/interrupts (shortened): the disk (virtio1-req.0) is served by CPU1.
TWO_CPUS = """\
           CPU0       CPU1
 31:          0       7656 PCI-MSIX-0000:00:01.0   3-edge      virtio0-stats
 36:          0    8541105 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0
 41:      16725          0 PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx
 42:          0      75005 PCI-MSIX-0000:00:04.0   2-edge      virtio3-tx
LOC:    5239201    7097232   Local timer interrupts
CAL:    8593504    4409815   Function call interrupts
"""


def test_the_cpu_serving_the_disk_is_kept_free() -> None:
    assert interrupt_cpu([0, 1], TWO_CPUS) == 1
    # timers and IPIs (the lettered lines) do not count
    quiet = "  CPU0 CPU1\n 36: 9 5 virtio1-req.0\nLOC: 10 90000 Local timer interrupts\n"
    assert interrupt_cpu([0, 1], quiet) == 0


def test_only_the_cpus_the_bot_may_use_are_chosen_from() -> None:
    four = "    CPU0 CPU1 CPU2 CPU3\n 36: 1 900 50 3 virtio1-req.0\n 37: 2 0 70 0 nvme0q1\n"
    assert interrupt_cpu([0, 1, 2, 3], four) == 1
    assert interrupt_cpu([0, 2, 3], four) == 2  # CPU1 is not the bot's to keep


def test_without_a_table_the_first_cpu_is_kept() -> None:
    assert interrupt_cpu([2, 3], "") == 2
    assert interrupt_cpu([2, 3], "    CPU2 CPU3\nLOC: 5 9 Local timer interrupts\n") == 2


def test_the_command_keeps_conversions_off_that_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "interrupts"
    table.write_text(TWO_CPUS)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    command = background_command(table)
    assert command[1:3] == ("-c", "0") and command[0].endswith("taskset")
    assert command[-2:] == ("-n", "19") and command[-3].endswith("nice")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3})
    assert [Path(part).name for part in background_command(table)] == [
        "nice",
        "-n",
        "19",
    ]  # one CPU: nothing to keep
