"""From answers to a DOCX file: validation of answer files, composition and writing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.disk_cache import DiskCache
from bot.document.fonts import Fonts
from bot.document.model import Document, file_name
from bot.interview.definition import ReportType, Value
from bot.interview.parsing import check_value

if TYPE_CHECKING:
    from bot.document.compose import Composer
    from bot.document.docx_writer import DocxWriter
    from bot.interview.engine import Interview


class AnswersFileError(ValueError):
    """An answers file is unreadable or holds a missing or malformed value."""


def answer_problems(interview: Interview, answers: Mapping[str, Any], *, complete: bool = True) -> list[str]:
    """Every problem with an answer set, each naming its question id.

    The answers are taken to be complete unless told otherwise.
    """
    definition = interview.definition
    known = {q.id for q in definition.questions}
    problems = [f"{qid}: no such question in {definition.id}" for qid in answers if qid not in known]
    for q in definition.questions:
        if q.id in answers and answers[q.id] is not None:
            problem = check_value(q, answers[q.id])
            if problem:
                problems.append(f"{q.id}: {problem}")
    if problems or not complete:
        return problems
    return [f"{q.id}: missing ({q.label})" for q in interview.missing(answers)]


@dataclass
class Renderer:
    """Composes and writes reports.

    The composer (Jinja2) and the writer (python-docx) are made on first use: the bot answers
    its first messages, which are questions, without importing either (BENCHMARKS.md, "Start-up").
    """

    templates_root: Path
    fonts: Fonts | None = None
    sealed: bool | None = None  # REPORTBOT_SEAL, None for the profile's
    cache: DiskCache | None = None  # compiled templates and the base document between processes

    @classmethod
    def create(
        cls,
        templates_root: Path,
        fonts: Fonts | None = None,
        sealed: bool | None = None,
        cache_dir: Path | None = None,
    ) -> Renderer:
        """A renderer over the templates folder (``sealed``: REPORTBOT_SEAL, None for the profile's;
        ``cache_dir``: REPORTBOT_CACHE, None for no disk cache)."""
        return cls(templates_root, fonts, sealed, DiskCache(cache_dir) if cache_dir else None)

    @cached_property
    def composer(self) -> Composer:
        """The templates' composer."""
        from bot.document.compose import Composer

        return Composer(self.templates_root, self.cache)

    @cached_property
    def writer(self) -> DocxWriter:
        """The DOCX writer."""
        from bot.document.docx_writer import DocxWriter

        return DocxWriter(self.fonts, self.sealed, self.cache)

    def compose(self, definition: ReportType, answers: Mapping[str, Value]) -> Document:
        """The document model for ``answers`` (missing facts as placeholders)."""
        return self.composer.compose(definition, answers)

    def write(self, document: Document, out: Path | None, folder: Path) -> Path:
        """Write ``document`` to ``out``, or to ``folder/<title>.docx`` when ``out`` is None."""
        return self.writer.write(document, out or folder / file_name(document.title))


def read_answers_file(path: Path) -> tuple[str, dict[str, Any]]:
    """``{"type": TYPE, "answers": {...}}`` from a JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersFileError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise AnswersFileError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise AnswersFileError(f'{path}: expected {{"type": TYPE, "answers": {{question_id: value}}}}')
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise AnswersFileError(f'{path}: "answers" must be an object of question_id: value')
    return data["type"], answers
