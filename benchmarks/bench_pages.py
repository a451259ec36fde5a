"""Page preview benchmark: the PDF and page pictures of each report type's full report.

Cold: LibreOffice started with a fresh profile directory for the conversion (the first
conversion of a slot after start-up, or after 10 minutes unused). Warm: the slot's LibreOffice
kept running, as the bot does after its first conversion; and, for comparison, ``soffice
--convert-to`` started for each conversion on a kept profile (what the bot does without
python3-uno). At once: ``--users`` conversions asked for together, through the bot's queue (two
at a time); each one's time counts from the request, so it includes the wait in the queue.

Run: .venv/bin/python -m benchmarks.bench_pages [--runs N] [--cold-runs N] [--users N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_render import cpu_model
from bot.cli.settings import DEFAULT_TEMPLATES
from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.document.pages import PageMaker, PageSettings
from bot.service.reports import Templates
from tests.support.interviews import complete_answers


def reports(only: list[str] | None = None) -> dict[str, bytes]:
    """Each report type's complete report as DOCX (or those of the types in ``only``)."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    composer, writer = Composer(DEFAULT_TEMPLATES), DocxWriter()
    return {
        type_id: writer.to_bytes(composer.compose(definition, complete_answers(templates.interview(type_id))))
        for type_id, definition in templates.types.items()
        if not only or type_id in only
    }


async def timed(maker: PageMaker, docx: bytes) -> tuple[float, int]:
    """Seconds for one conversion, and the pages drawn."""
    start = time.perf_counter()
    pages = await maker.convert(docx, "report.docx")
    return time.perf_counter() - start, len(pages.pictures)


async def cold(docx: bytes, runs: int) -> list[float]:
    """Each conversion by a LibreOffice started for it, with a new profile directory."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as root:
            maker = PageMaker(PageSettings(), Path(root))
            try:
                times.append((await timed(maker, docx))[0])
            finally:
                await maker.close()
    return times


async def warm(maker: PageMaker, docx: bytes, runs: int) -> list[float]:
    """Conversions one after another, both slots already used once."""
    await asyncio.gather(timed(maker, docx), timed(maker, docx))
    return [(await timed(maker, docx))[0] for _ in range(runs)]


async def at_once(maker: PageMaker, docx: bytes, users: int) -> tuple[list[float], float]:
    """``users`` conversions asked for together: each one's time, and the time until the last."""
    start = time.perf_counter()
    results = await asyncio.gather(*(timed(maker, docx) for _ in range(users)))
    return [t for t, _ in results], time.perf_counter() - start


def cell(times: list[float]) -> str:
    """Median / worst seconds."""
    return f"{statistics.median(times):.2f} / {max(times):.2f}"


async def measure(runs: int, cold_runs: int, users: int, only: list[str] | None) -> None:
    """Print a Markdown table: cold, warm and at once per report type."""
    print(
        f"| report type | pages drawn | cold median / worst s | warm median / worst s | "
        f"warm, soffice per conversion: median / worst s | "
        f"{users} at once: median / worst s | {users} at once: all done s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as each_root:
        maker = PageMaker(PageSettings(), Path(root))
        per_conversion = PageMaker(PageSettings(uno_python="none"), Path(each_root))
        try:
            for type_id, docx in reports(only).items():
                cold_times = await cold(docx, cold_runs)
                _, drawn = await timed(maker, docx)
                warm_times = await warm(maker, docx, runs)
                each_times = await warm(per_conversion, docx, runs)
                many, total = await at_once(maker, docx, users)
                row = [type_id, str(drawn), cell(cold_times), cell(warm_times), cell(each_times)]
                print("| " + " | ".join([*row, cell(many), f"{total:.2f}"]) + " |")
        finally:
            await maker.close()
            await per_conversion.close()


def main() -> None:
    """Print the machine and the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10, help="warm conversions per type")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold conversions per type")
    parser.add_argument("--users", type=int, default=10, help="conversions asked for at once")
    parser.add_argument("--types", nargs="+", help="only these report types")
    args = parser.parse_args()
    print(
        f"machine: {cpu_model()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(f"runs per type: warm {args.runs}, cold {args.cold_runs}; two conversions at a time\n")
    asyncio.run(measure(args.runs, args.cold_runs, args.users, args.types))


if __name__ == "__main__":
    main()
