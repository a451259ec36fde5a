"""Chinese and full-width numerals as officials type them: ``３``, ``三``, ``十二``, ``两``, ``二〇二三``."""

from __future__ import annotations

import unicodedata

_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL_CHARS = frozenset(_DIGITS) | frozenset(_SMALL_UNITS) | frozenset(_BIG_UNITS)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (``３``, ``Ｑ``, ``－``) folded to ordinary ASCII; everything else kept."""
    return "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)


def chinese_to_int(text: str) -> int | None:
    """Value of a Chinese numeral (``十二``, ``一百零五``, ``两千``, ``二〇二三``), or None."""
    if not text or any(ch not in CHINESE_NUMERAL_CHARS for ch in text):
        return None
    if not any(ch in _SMALL_UNITS or ch in _BIG_UNITS for ch in text):
        # Digit-by-digit reading, as in years: 二〇二三.
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total = section = 0
    digit: int | None = None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                return None  # two digits in a row inside a unit numeral: 三四十
            digit = _DIGITS[ch] if _DIGITS[ch] != 0 else None
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        else:
            section += digit or 0
            if section == 0:
                return None
            total += section * _BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def cn_date(iso: str) -> str:
    """``2023-10-08`` → ``2023年10月8日`` (Arabic numerals, no zero padding, as 公文 dates are)."""
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"
