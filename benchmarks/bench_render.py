"""Render benchmark: compose and write each report type's full report, median and worst.

Run: .venv/bin/python -m benchmarks.bench_render [--runs N]
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from docxtpl import DocxTemplate

from bot.cli.settings import DEFAULT_TEMPLATES
from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.interview.definition import ReportType, Value
from bot.service.reports import Templates
from tests.support.interviews import complete_answers


def _timed(op: Callable[[], object], runs: int) -> tuple[float, float]:
    op()  # warm-up: template compilation, imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        op()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def docxtpl_template(
    composer: Composer, writer: DocxWriter, definition: ReportType, answers: Mapping[str, Value]
) -> tuple[bytes, dict[str, str]]:
    """An equivalent Word template: the same document, each text answer replaced by a docxtpl tag.

    The layout is reportbot's own, so both sides produce the same pages; the context maps each
    tag back to the answer.
    """
    tagged: dict[str, Any] = {}
    context: dict[str, str] = {}
    for key, value in answers.items():
        if isinstance(value, str) and definition.question(key).kind.value in ("short_text", "long_text"):
            tagged[key] = "{{ " + key + " }}"
            context[key] = value
        elif isinstance(value, list):
            tagged[key] = []
            for n, item in enumerate(value):
                tagged[key].append("{{ " + f"{key}_{n}" + " }}")
                context[f"{key}_{n}"] = item
        else:
            tagged[key] = value
    return writer.to_bytes(composer.compose(definition, tagged)), context


def render_reportbot(
    composer: Composer, writer: DocxWriter, definition: ReportType, answers: Mapping[str, Value]
) -> bytes:
    """Compose the report and write the DOCX: what reportbot does per report."""
    return writer.to_bytes(composer.compose(definition, answers))


def render_docxtpl(template: bytes, context: dict[str, str]) -> bytes:
    """Load the Word template, fill it, save it: what a docxtpl-based bot does per report."""
    doc = DocxTemplate(io.BytesIO(template))
    doc.render(context)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def measure(runs: int) -> dict[str, dict[str, tuple[float, float]]]:
    """Median and worst milliseconds per report type: reportbot, and docxtpl on the same content."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    composer, writer = Composer(DEFAULT_TEMPLATES), DocxWriter()
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for type_id, definition in templates.types.items():
        answers = complete_answers(templates.interview(type_id))
        template, context = docxtpl_template(composer, writer, definition, answers)
        results[type_id] = {
            "reportbot": _timed(
                functools.partial(render_reportbot, composer, writer, definition, answers), runs
            ),
            "docxtpl": _timed(functools.partial(render_docxtpl, template, context), runs),
        }
    return results


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main() -> None:
    """Print a Markdown table of the results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(
        f"machine: {cpu_model()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(f"runs per type: {args.runs}\n")
    print("| report type | reportbot median / worst ms | docxtpl median / worst ms | reportbot ÷ docxtpl |")
    print("| --- | ---: | ---: | ---: |")
    for type_id, sides in measure(args.runs).items():
        (ours, our_worst), (theirs, their_worst) = sides["reportbot"], sides["docxtpl"]
        print(
            f"| {type_id} | {ours:.1f} / {our_worst:.1f} | {theirs:.1f} / {their_worst:.1f} | "
            f"{ours / theirs:.2f}× |"
        )


if __name__ == "__main__":
    main()
