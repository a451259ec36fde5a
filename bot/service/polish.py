"""Polishing a section with a language model behind an OpenAI-compatible API, the facts locked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.document.fact_lock import Violation
from bot.service.llm_settings import LlmSettings

__all__ = ["LlmSettings", "Polished", "Violation", "polish_section", "rejection_message"]


@dataclass(frozen=True)
class Polished:
    """The outcome of one polish request."""

    text: str | None  # accepted candidate, None when rejected or failed
    violations: list[Violation] = field(
        default_factory=list
    )  # why rejected (empty when accepted or on error)
    error: str | None = None  # Chinese message for timeouts, connection errors, bad replies


async def polish_section(
    llm: LlmSettings,
    heading: str,
    answers: list[tuple[str, str]],
    generated: str,
    names: Sequence[str] = (),
) -> Polished:
    """Ask the model for the section in the source documents' register; keep it only if the fact lock passes.

    ``answers`` are (question label, answer as printed) pairs of the section; ``names`` the
    answers that are person names (checked by the fact lock as names).
    """
    raise NotImplementedError


def rejection_message(polished: Polished) -> str:
    """One Chinese message naming which facts failed (for the chat)."""
    raise NotImplementedError
