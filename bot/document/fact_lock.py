"""The fact lock: a model's rewrite of a section is kept only if it carries exactly the user's facts.

``check(sources, generated, candidate, names)`` compares the candidate (the model's reply) with
the section's answers (``sources``, as the user typed them) and the section's current text
(``generated``). It returns what is wrong; an empty list means the candidate may be offered.

What counts as a fact (``facts.py`` finds them):

- **Figures** — a number with its counting word and approximation: ``46篇``, ``30余次``,
  ``近200人次``, ``200人次以上``, ``约50%``, ``百分之九十五``, ``2.6万人次``. Arabic and Chinese
  numerals are the same number (``三次`` = ``3次``, ``两万人次`` = ``2万人次`` = ``20000人次``).
  Approximations compare by meaning: 余/多/逾/超过/以上/不少于/至少 are one class ("more than"),
  近/将近/接近 another, 约/大约/左右 another, 不到/不足/以下 another; ``30余次`` = ``30多次``, but
  ``约30次`` ≠ ``30次``. A Chinese numeral is a figure only before a counting word (次, 篇, 人次, 个,
  场 …); an Arabic one always, except list numbering (``1.``, ``1、``, ``（1）``). A number in a
  source without a counting word matches the same number with any counting word.
- **Not figures**: ordinals (``第一``, ``第3次``: a 第 in front), ``一是``/``二是`` (no counting word),
  一 as an article (``一项``, ``一批``, ``一起`` …: ``facts.ARTICLE_UNITS``), and the fixed words in
  ``facts.FIXED_WORDS`` (一把手, 一岗双责, 两个维护, 四个意识, 三会一课, 二十大 …).
- **Dates**: ``2026年3月5日``, ``2026-03-05``, ``3月5日``, ``3月``, ``2026年``, ``1-9月``, Chinese
  numerals too (``三月五日``, ``二〇二六年``). A date in the answers is kept only if the candidate has
  a date with all of its parts (``3月5日`` keeps ``2026年3月5日``'s month and day but not its year).
  **Periods**: ``第三季度``, ``前三季度``, ``上半年``, ``下半年``.
- **Titles**: ``《…》`` (kept with the brackets) and ``“…”`` (the words kept). The 【待填写：…】
  marks of the generated text must stay too, or the printed report would lose them.
- **Names**: the answers to questions that hold names (``names``; ``张三、李四`` is two names), each
  kept verbatim. An added name is a surname with up to two more characters before a title
  (``王明同志``, ``李书记``, ``张局长``) that the answers and the generated text do not contain.

The rules:

1. **Nothing missing**: every figure (other than 0), date, period, title, 【待填写】 mark and name
   that the generated text states appears in the candidate — the answers' facts as printed, and
   those the section borrows from other answers (the report period). An answer the section does
   not print (the stock wording of an option whose detail is printed instead, the report date in
   the heading) is not required: the candidate replaces the section's text, no more.
2. **Nothing invented**: every figure, date, period, 《》 or “” title and name in the candidate
   appears in the answers or the generated text (a title's own figures and dates included). A
   quoted fixed word (“四个意识”) is not a new fact.
3. **Length**: the candidate has 0.8–1.6 times the generated text's characters (spaces aside).

A changed date or figure shows as both: the original missing, the new one invented.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.document.facts import FIXED_WORDS, Fact, Facts, extract, person_names, split_names
from bot.interview.numerals import to_halfwidth

MIN_RATIO = 0.8
MAX_RATIO = 1.6


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
    given = _merge(extract(text) for text in sources)
    current = extract(generated)
    known = _merge([given, current])
    known_facts = known.items + known.inner
    found = extract(candidate)
    name_list = split_names(names)
    raw_known = [to_halfwidth(text) for text in (*sources, generated, *name_list)]
    # What the section prints now is what the rewrite must keep: the answers' facts as printed
    # (an answer the section does not print, such as an unticked option's stock wording, is not
    # required) and the facts other sections lend it, such as the report period.
    violations = [_missing(fact) for fact in _unkept(current.items, found, candidate)]
    persons = [name for name in person_names(generated) if len(name) >= 2]
    kept = [name for name in dict.fromkeys([*name_list, *persons]) if name in generated]
    violations += [_missing(name) for name in kept if name not in candidate]
    violations += [_invented(f.text) for f in found.items if not _known(f, known_facts, raw_known)]
    violations += [_invented(name) for name in person_names(candidate) if not _name_known(name, raw_known)]
    violations += _length(generated, candidate)
    return sorted(_unique(violations), key=lambda v: _place(v, generated, candidate))


def _merge(parts: Iterable[Facts]) -> Facts:
    merged = Facts()
    for part in parts:
        merged.items.extend(part.items)
        merged.inner.extend(part.inner)
    return merged


def _unkept(required: list[Fact], found: Facts, candidate: str) -> list[str]:
    """The texts of the required facts the candidate lacks."""
    lost = []
    for fact in required:
        if fact.kind == "figure" and fact.key[0] == "0":
            continue  # 0 is printed as words (未发生, 没有), never as a figure to keep
        if any(_covers(have, fact) for have in found.items) or _article_one(fact, candidate):
            continue
        if fact.kind == "quote" and fact.key[0] in to_halfwidth(candidate):
            continue  # the quoted words kept, the quotation marks dropped
        lost.append(fact.text)
    return lost


def _article_one(fact: Fact, candidate: str) -> bool:
    # 1个 written as 一个 reads as an article and is not extracted; the words are still there.
    if fact.kind != "figure":
        return False
    value, unit, approx = fact.key
    return value == "1" and bool(unit) and not approx and f"一{unit}" in candidate


def _covers(have: Fact, want: Fact) -> bool:
    """Whether the fact ``have`` (in a text) states the fact ``want``."""
    if want.kind == "figure" and have.kind == "figure":
        value, unit, approx = want.key
        return have.key[0] == value and have.key[2] == approx and (not unit or have.key[1] == unit)
    if want.kind == "figure" and have.kind == "date":
        return want.key[1:] == ("", "") and have.key[0] == want.key[0]  # 2026 and 2026年
    if want.kind == "date" and have.kind == "date":
        return all(not part or part == got for part, got in zip(want.key, have.key, strict=True))
    if want.kind in ("title", "quote") and have.kind in ("title", "quote"):
        return want.key == have.key and (want.kind == "quote" or have.kind == "title")
    return want.kind == have.kind and want.key == have.key


def _known(fact: Fact, known_facts: list[Fact], raw_known: list[str]) -> bool:
    """Whether a fact of the candidate is in the answers or the generated text."""
    if fact.kind == "mark":
        return True
    if fact.kind in ("title", "quote"):
        words = fact.key[0]
        return words in FIXED_WORDS or any(words in text for text in raw_known)
    if fact.kind == "figure":
        value, unit, approx = fact.key
        if value == "1" and unit and not approx and any(f"一{unit}" in text for text in raw_known):
            return True  # written 一家 there, an article to the extraction
        return any(
            (k.kind == "figure" and k.key[0] == value and k.key[2] == approx and unit in ("", k.key[1]))
            or (k.kind == "figure" and k.key[0] == value and k.key[2] == approx and not k.key[1])
            or (k.kind == "date" and not unit and not approx and k.key[0] == value)
            for k in known_facts
        )
    if fact.kind == "date":
        return _date_known(fact.key, known_facts)
    return any(k.kind == fact.kind and k.key == fact.key for k in known_facts)


def _date_known(key: tuple[str, ...], known_facts: list[Fact]) -> bool:
    year, month, day = key
    dates = [k.key for k in known_facts if k.kind == "date"]
    years = {k[0] for k in dates if k[0]} | {
        k.key[0] for k in known_facts if k.kind == "figure" and not k.key[1]
    }
    if not month:
        return year in years
    return (not year or year in years) and any(k[1] == month and (not day or k[2] == day) for k in dates)


def _name_known(name: str, raw_known: list[str]) -> bool:
    return any(name in text for text in raw_known)


def _length(generated: str, candidate: str) -> list[Violation]:
    size, target = len("".join(candidate.split())), len("".join(generated.split()))
    if not target:
        return []
    low, high = round(target * MIN_RATIO), round(target * MAX_RATIO)
    if size < target * MIN_RATIO:
        text = f"润色稿太短：{size}字，原文{target}字，应在{low}至{high}字之间"
        return [Violation("length", "", text)]
    if size > target * MAX_RATIO:
        text = f"润色稿太长：{size}字，原文{target}字，应在{low}至{high}字之间"
        return [Violation("length", "", text)]
    return []


def _place(violation: Violation, generated: str, candidate: str) -> tuple[int, int]:
    """Missing facts in the order the generated text has them, then invented ones, then length."""
    order = ("missing", "invented", "length").index(violation.kind)
    text = to_halfwidth(generated if violation.kind == "missing" else candidate)
    at = text.find(to_halfwidth(violation.fact)) if violation.fact else -1
    return order, at if at >= 0 else len(text)


def _missing(fact: str) -> Violation:
    return Violation("missing", fact, f"润色稿漏掉了“{fact}”")


def _invented(fact: str) -> Violation:
    return Violation("invented", fact, f"润色稿多出了原文没有的“{fact}”")


def _unique(violations: list[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))
