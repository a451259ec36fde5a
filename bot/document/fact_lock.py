"""The fact lock: a model's rewrite of a section is kept only if it carries exactly the user's facts.

(Rules documented in full once implemented.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Violation:
    """One reason a candidate text is refused."""

    kind: Literal["missing", "invented", "length"]
    fact: str  # the figure, date, name or title concerned ("" for length)
    message: str  # Chinese, for the user


def check(
    sources: Sequence[str], generated: str, candidate: str, names: Sequence[str] = ()
) -> list[Violation]:
    """Every fact of the section's answers kept in the candidate, none added, length 0.8–1.6×.

    ``sources`` are the section's answers as typed, ``generated`` the section's current text,
    ``candidate`` the model's reply, ``names`` the answers that are person names.
    """
    raise NotImplementedError
