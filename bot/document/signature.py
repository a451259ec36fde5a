"""Where the signature (发文机关署名) and the date (成文日期) stand: GB/T 9704-2012 7.3.5.

Columns are counted in characters of the body size from the right edge of the type area; a
half-width digit counts as half a character, as it takes half the room.
"""

from __future__ import annotations

from bot.document.model import Document, Role
from bot.document.title_lines import width

SEALED_DATE_RIGHT = 4.0  # 7.3.5.1: the date 右空四字
UNSEALED_RIGHT = 2.0  # 7.3.5.2: the signature 右空二字
BODY_LINE_CHARS = 28  # characters of 3号 in a 156 mm line
CLOSING_BODY_LINES = 3  # 特此报告。 and at least two more body lines stay beside the signature
UNSEALED_SHIFT = 2.0  # 7.3.5.2: the date's first character two characters right of the signature's


def block_indents(signature: str, date: str, sealed: bool) -> tuple[float, float]:
    """The right indents, in characters, of the signature and of the date.

    Sealed: the date 右空四字 and the signature centred over it. Unsealed: the signature 右空二字
    and the date starting two characters further right; a date that would then come closer than
    two characters to the edge is set 右空二字 and the signature moves left with it, so the date
    still starts two characters right of the signature's start.
    """
    sig, day = width(signature), width(date)
    if sealed:
        return max(0.0, SEALED_DATE_RIGHT + (day - sig) / 2), SEALED_DATE_RIGHT
    date_right = UNSEALED_RIGHT + sig - UNSEALED_SHIFT - day
    if date_right >= UNSEALED_RIGHT:
        # A signature longer than a line wraps; its date stays on the line.
        return UNSEALED_RIGHT, min(date_right, max(UNSEALED_RIGHT, BODY_LINE_CHARS - day))
    return UNSEALED_RIGHT + day + UNSEALED_SHIFT - sig, UNSEALED_RIGHT


def seal_setting(raw: str) -> bool | None:
    """``REPORTBOT_SEAL``: sealed → True, unsealed → False, empty → None (the profile decides)."""
    value = raw.strip().lower()
    if value in ("", "profile"):
        return None
    if value not in ("sealed", "unsealed"):
        raise ValueError(f"REPORTBOT_SEAL must be sealed, unsealed or empty, not {raw!r}")
    return value == "sealed"


def kept_with_next(document: Document) -> set[int]:
    """The paragraphs kept on the page of the next one: those before the closing block, until
    the closing line and two more body lines stay beside the signature, and the block itself."""
    paragraphs = document.paragraphs
    closing = next(
        (n for n, p in enumerate(paragraphs) if p.role in (Role.SIGNATURE, Role.DATE)), len(paragraphs) - 1
    )
    kept = {n for n in range(closing, len(paragraphs) - 1)}
    lines = 0 if closing < len(paragraphs) - 1 or paragraphs[closing].role is not Role.BODY else 1
    n = closing - 1
    while n >= 0 and paragraphs[n].role is Role.BODY and lines < CLOSING_BODY_LINES:
        kept.add(n)
        # Widow control brings two lines of a split paragraph along, never more; a paragraph
        # counts as two only when it surely fills two lines, even in a narrower substitute font.
        lines += 2 if width(paragraphs[n].text) + 2 > 2 * BODY_LINE_CHARS else 1
        n -= 1
    return kept
