"""Render benchmark: compose and write each report type's full report, beside docxtpl.

Both sides run in turn, one of each per round, and each round's ratio is kept: drift of the
shared machine then moves both alike instead of the ratio. A second table does the same with
whole processes, ``reportbot render`` against a docxtpl script.

Run: .venv/bin/python -m benchmarks.bench_render [--runs N] [--process-runs N]
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from bot.cli.settings import DEFAULT_TEMPLATES
from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.interview.definition import ReportType, Value
from bot.service.reports import Templates
from tests.support.interviews import complete_answers

ROOT = Path(__file__).resolve().parent.parent


def _ms(op: Callable[[], object]) -> float:
    start = time.perf_counter()
    op()
    return (time.perf_counter() - start) * 1000


def interleaved(ours: Callable[[], object], theirs: Callable[[], object], runs: int) -> Rounds:
    """Both sides in turn, one of each per round (the first of the pair alternating), so the
    machine's drift falls on both alike; a warm-up of each first (template compilation, imports)."""
    ours(), theirs()
    rounds = Rounds()
    for n in range(runs):
        if n % 2:
            theirs_ms, ours_ms = _ms(theirs), _ms(ours)
        else:
            ours_ms, theirs_ms = _ms(ours), _ms(theirs)
        rounds.add(ours_ms, theirs_ms)
    return rounds


@dataclass
class Rounds:
    """Paired timings, reportbot's and the other side's, in milliseconds."""

    ours: list[float] = field(default_factory=list)
    theirs: list[float] = field(default_factory=list)

    def add(self, ours: float, theirs: float) -> None:
        """One round's pair."""
        self.ours.append(ours)
        self.theirs.append(theirs)

    def row(self, name: str) -> str:
        """A table row: each side's median / worst, then the per-round ratio min / median / max."""
        ratios = [a / b for a, b in zip(self.ours, self.theirs, strict=True)]
        return (
            f"| {name} | {statistics.median(self.ours):.1f} / {max(self.ours):.1f} | "
            f"{statistics.median(self.theirs):.1f} / {max(self.theirs):.1f} | "
            f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}× |"
        )


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


def measure(runs: int) -> dict[str, Rounds]:
    """Per report type, paired rounds in one process: reportbot, and docxtpl on the same content."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    composer, writer = Composer(DEFAULT_TEMPLATES), DocxWriter()
    results: dict[str, Rounds] = {}
    for type_id, definition in templates.types.items():
        answers = complete_answers(templates.interview(type_id))
        template, context = docxtpl_template(composer, writer, definition, answers)
        results[type_id] = interleaved(
            functools.partial(render_reportbot, composer, writer, definition, answers),
            functools.partial(render_docxtpl, template, context),
            runs,
        )
    return results


def process_env(folder: Path) -> dict[str, str]:
    """The environment for timed processes: compiled modules kept (in ``folder``), as an installed
    bot keeps them, even where PYTHONDONTWRITEBYTECODE is set; otherwise each start would compile
    every module of the bot, but not of the libraries, which were compiled when installed."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(folder / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure_processes(runs: int) -> dict[str, Rounds]:
    """Per report type, paired rounds of whole processes: ``reportbot render`` on an answers file
    against a script that fills the equivalent Word template with docxtpl (benchmarks/docxtpl_render)."""
    templates = Templates.load(DEFAULT_TEMPLATES)
    composer, writer = Composer(DEFAULT_TEMPLATES), DocxWriter()
    results: dict[str, Rounds] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **process_env(folder),
            "REPORTBOT_DB": str(folder / "unused.db"),
            "REPORTBOT_OUTPUT": str(folder),
            "REPORTBOT_PAGE_PREVIEW": "off",
            # Filled by the warm-up run, as by a command's first run on a machine.
            "REPORTBOT_CACHE": str(folder / "cache"),
        }
        for type_id, definition in templates.types.items():
            answers = complete_answers(templates.interview(type_id))
            template, context = docxtpl_template(composer, writer, definition, answers)
            files = {name: folder / f"{type_id}.{name}" for name in ("answers", "docx", "context", "out")}
            files["answers"].write_text(
                json.dumps({"type": type_id, "answers": answers}, ensure_ascii=False, default=str),
                encoding="utf-8",
            )
            files["docx"].write_bytes(template)
            files["context"].write_text(json.dumps(context, ensure_ascii=False), encoding="utf-8")
            ours = [sys.executable, "-m", "bot", "render", str(files["answers"]), "-o", str(files["out"])]
            theirs = [sys.executable, "-m", "benchmarks.docxtpl_render"]
            theirs += [str(files["docx"]), str(files["context"]), str(files["out"])]
            results[type_id] = interleaved(
                functools.partial(subprocess.run, ours, env=env, cwd=ROOT, check=True, capture_output=True),
                functools.partial(subprocess.run, theirs, env=env, cwd=ROOT, check=True, capture_output=True),
                runs,
            )
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
    """Print Markdown tables of the results: in one process, then as whole processes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--process-runs", type=int, default=10, help="paired process rounds per type")
    args = parser.parse_args()
    print(
        f"machine: {cpu_model()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(f"runs per type: {args.runs}\n")
    header = "| report type | reportbot median / worst ms | docxtpl median / worst ms | {} |"
    print(header.format("reportbot ÷ docxtpl per round, min / median / max"))
    print("| --- | ---: | ---: | ---: |")
    for type_id, rounds in measure(args.runs).items():
        print(rounds.row(type_id))
    print(
        f"\nAs whole processes, {args.process_runs} paired rounds per type: `reportbot render` "
        "against a docxtpl script filling the equivalent Word template:\n"
    )
    print(header.format("render ÷ docxtpl script per round, min / median / max"))
    print("| --- | ---: | ---: | ---: |")
    for type_id, rounds in measure_processes(args.process_runs).items():
        print(rounds.row(type_id))


if __name__ == "__main__":
    main()
