"""The command prefix that keeps conversions (LibreOffice, pdftoppm) out of the bot's way."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

INTERRUPTS = Path("/proc/interrupts")


def background_command(interrupts: Path = INTERRUPTS) -> tuple[str, ...]:
    """``taskset`` off one CPU and ``nice -n 19``, for whichever of them the system has.

    The lowest CPU priority is not enough on its own: LibreOffice starting on every CPU slowed
    the bot's commits sevenfold (BENCHMARKS.md, "Page preview"), so conversions are also kept off
    one CPU, which the bot then always has to itself. That is the CPU serving most device
    interrupts: a commit waits for the disk's completion, which that CPU handles, and a
    conversion busy there tripled the commits taking over 2 ms.
    """
    prefix: tuple[str, ...] = ()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    taskset = shutil.which("taskset")
    if len(cpus) > 1 and taskset:
        try:
            table = interrupts.read_text()
        except OSError:
            table = ""
        kept = interrupt_cpu(cpus, table)
        prefix += (taskset, "-c", ",".join(str(cpu) for cpu in cpus if cpu != kept))
    nice = shutil.which("nice")
    if nice:
        prefix += (nice, "-n", "19")
    return prefix


def interrupt_cpu(cpus: Sequence[int], table: str) -> int:
    """Of ``cpus``, the one that has served the most device interrupts (the first when none has).

    ``table`` is the text of /proc/interrupts: a header naming the CPU columns, then a line per
    interrupt; device interrupts are the numbered lines (the others count timers, IPIs and such).
    """
    lines = table.splitlines()
    if not lines:
        return cpus[0]
    columns = [int(name[3:]) for name in lines[0].split() if name.startswith("CPU") and name[3:].isdigit()]
    served = dict.fromkeys(cpus, 0)
    for line in lines[1:]:
        label, _, rest = line.partition(":")
        if not label.strip().isdigit():
            continue
        for cpu, count in zip(columns, rest.split(), strict=False):
            if cpu in served and count.isdigit():
                served[cpu] += int(count)
    return max(cpus, key=lambda cpu: (served[cpu], -cpu))
