"""How an official's notes become the sentences of a report: pure functions on plain strings.

Measures print as ``一是[heading]。[what was done]。`` in the source documents' manner; notes typed
as ``label：content`` (``表现：…原因：…``, ``牵头：办公室；时限：年底前``) become sentences, never
labelled items; a paragraph too long to read is cut at a sentence end. (Joining items and citing
names: ``bot.document.joins``.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

CN_DIGITS = "零一二三四五六七八九"
END_MARKS = "。！？"
TRAILING = "。，、；：,.;:！!？? \t"
PARAGRAPH_LIMIT = 300  # characters; longer paragraphs are hard to read and the lint flags them
ITEMS_PER_PARAGRAPH = 4  # 一是…四是 at most, then a new paragraph

# Labels an official puts before a note. Those here are dropped: the content reads on its own.
_PLAIN_LABELS = frozenset(
    [
        "表现",
        "具体表现",
        "主要表现",
        "问题",
        "内容",
        "学习内容",
        "做法",
        "具体做法",
        "主要做法",
        "情况",
        "具体情况",
        "措施",
        "举措",
        "具体措施",
        "数据",
        "备注",
        "其他",
        "说明",
        "成效",
        "效果",
        "成果",
        "活动",
        "事例",
        "经过",
        "要求",
        "打算",
        "思路",
        "目标",
        "下一步",
        "整改措施",
    ]
)
_CAUSE_LABELS = frozenset(["原因", "主要原因", "问题原因", "根源", "原因分析"])
_LEAD_LABELS = frozenset(
    [
        "牵头",
        "牵头单位",
        "牵头部门",
        "牵头领导",
        "责任单位",
        "责任部门",
        "责任科室",
        "责任人",
        "负责",
        "负责人",
    ]
)
_DUE_LABELS = frozenset(["时限", "完成时限", "完成时间", "时间节点", "期限", "截止时间"])
_LABEL_RE = re.compile(r"^(?P<label>[\u4e00-\u9fff]{1,6})[：:]\s*(?P<content>.+)$", re.S)
_SEGMENT_SPLIT_RE = re.compile(r"[；;\n]+|(?<=。)")
_ENUM_MARK_RE = re.compile(r"(?:^|(?<=[。；：]))[一二三四五六七八九十]+是")


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


def han_count(text: str) -> int:
    """How many Chinese characters ``text`` holds (figures, letters and punctuation not counted)."""
    return len(_HAN_RE.findall(text))


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (for ordinals up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def strip_end(text: str) -> str:
    """Text without its trailing punctuation, so the caller decides how the sentence ends."""
    return text.rstrip(TRAILING)


def as_sentence(text: str) -> str:
    """``text`` ending in one ``。`` (or the ``！``/``？`` it already had)."""
    text = text.strip()
    if not text:
        return ""
    if text[-1] in END_MARKS or text.endswith(("。”", "！”", "？”")):
        return text
    return strip_end(text) + "。"


# -- notes → sentences ----------------------------------------------------------------------------


def _due(text: str) -> str:
    """A deadline as a clause: ``12月底`` → ``12月底前完成``; ``年内`` → ``年内完成``;
    ``2027年起`` → ``从2027年起实施``; one that already says how (``长期坚持``, ``…完成…``) stays."""
    text = strip_end(text)
    if "完成" in text or text.endswith(("坚持", "推进", "开展", "落实", "实施", "执行")):
        return text  # already says how
    if text.startswith("每"):
        return text + "落实"  # a frequency (每季度), not a deadline
    if text.endswith("起"):
        return ("" if text.startswith(("从", "自")) else "从") + text + "实施"
    if text.endswith(("前", "内")):
        return text + "完成"
    if text.endswith(("上半年", "下半年", "季度", "年度")):
        return text + "内完成"
    if re.search(r"(?:\d|[年月日底旬季度])$", text):
        return text + "前完成"
    return text


def says_what_was_done(text: str) -> bool:
    """Whether notes say what was (or will be) done, not only who leads, by when, or why."""
    for segment in _SEGMENT_SPLIT_RE.split(text):
        segment = segment.strip()
        if not strip_end(segment):
            continue
        match = _LABEL_RE.match(segment)
        if not match or match["label"] not in _CAUSE_LABELS | _LEAD_LABELS | _DUE_LABELS:
            return True
    return False


def restates(detail: str, body: str) -> bool:
    """Whether ``detail`` says ``body`` again (holds it, or opens with its first words)."""
    core = strip_end(body)
    return bool(core) and (core in detail or detail.startswith(core[:6]))


def note_sentences(text: str) -> str:
    """Notes as sentences, their labels read rather than printed.

    Labels that only announce the content are dropped, ``原因：`` becomes a cause analysis,
    ``牵头：``/``时限：`` say who leads and by when.
    """
    plain: list[str] = []
    causes: list[str] = []
    lead = due = ""
    if not any(_LABEL_RE.match(s.strip()) for s in _SEGMENT_SPLIT_RE.split(text)):
        return as_sentence(text.replace("\n", "；"))  # plain notes: the user's own punctuation stays
    for segment in _SEGMENT_SPLIT_RE.split(text):
        segment = segment.strip()
        if not strip_end(segment):
            continue
        match = _LABEL_RE.match(segment)
        label, content = (match["label"], strip_end(match["content"])) if match else ("", segment)
        if label in _CAUSE_LABELS:
            causes.append(re.sub(r"^(?:主要)?(?:是|在于)(?!否)", "", content))
        elif label in _LEAD_LABELS:
            lead = re.sub(r"^由", "", content)
        elif label in _DUE_LABELS:
            due = _due(content)
        elif label in _PLAIN_LABELS or not label:
            plain.append(as_sentence(content))
        else:
            plain.append(as_sentence(f"{label}为{content}" if len(content) < 10 else content))
    out = "".join(plain)
    if causes:
        cause = "；".join(strip_end(c) for c in causes)
        # A bare cause ("缺乏专业培训") needs a subject-like lead: "究其原因，主要是缺乏专业培训。"
        lead_in = "" if cause.startswith(("主要", "一是", "由于", "因为", "在于", "一方面")) else "主要是"
        out += f"究其原因，{lead_in}{cause}。"
    if lead and due:
        out += f"由{strip_end(lead)}牵头，{due}。"
    elif lead:
        out += f"由{strip_end(lead)}牵头负责。"
    elif due and out.endswith("。"):
        out = f"{out[:-1]}，{due}。"  # the deadline belongs to the measure just stated
    elif due:
        out += f"{due}。"
    return out


# -- measures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One enumerated item: a short heading and what was done (either may be empty)."""

    heading: str
    body: str = ""
    stock: bool = False  # the body is a phrase bank's general wording, not what the unit said

    def text(self, number: int | None, after_lead: bool = False) -> str:
        """``一是heading。body``, or without a number ``heading。body``.

        After a lead sentence that already introduces it, just what was done.
        """
        if number is None:
            if after_lead or not self.body:
                return self.body or as_sentence(self.heading)
            return as_sentence(self.heading) + self.body
        head = as_sentence(self.heading) if self.heading else ""
        return f"{cn_number(number)}是{head}{self.body}"


def split_measure(item: str) -> Measure:
    """``强化组织领导：成立了……`` → heading and body.

    A label that only announces notes (``学习内容：…``) is no heading; an item without one is a
    single sentence.
    """
    item = item.strip()
    match = _LABEL_RE.match(item) if "：" in item[:17] or ":" in item[:17] else None
    if match is None:
        head, sep, rest = item.replace(":", "：").partition("：")
        if sep and 2 <= len(head) <= 16 and not re.search(r"[，。；]", head):
            return Measure(strip_end(head), note_sentences(rest))
        return Measure(as_sentence(note_sentences(item) or item))
    label = match["label"]
    if label in _PLAIN_LABELS | _CAUSE_LABELS | _LEAD_LABELS | _DUE_LABELS:
        return Measure(note_sentences(item))
    return Measure(strip_end(label), note_sentences(match["content"]))


def with_detail(measure: Measure, detail: str) -> Measure:
    """The measure with the user's detail after what it already says."""
    detail = note_sentences(detail)
    return Measure(measure.heading, measure.body + detail) if detail else measure


_COUNT_RE = re.compile(
    r"(?:近|约|超过)?\d+(?:\.\d+)?(?:万|亿)?(?:余|多)?(?:人次|场次|[次篇场期条项人个名家份批轮天所户幅块节册起件%])"
)


def figures_already_said(sentence: str, said: str) -> bool:
    """Whether every count in ``sentence`` (``共召开党组专题会议2次``) is already in ``said``.

    That is, the count question and the detail gave the same number.
    """
    counts = _COUNT_RE.findall(sentence)
    return bool(counts) and all(c in said for c in counts)


def attach(measures: list[Measure], keyword: str, sentence: str) -> bool:
    """Put ``sentence`` (a figure, say) into the first measure whose heading mentions ``keyword``.

    What the unit did, with its figures, takes the place of a phrase bank's general wording.
    """
    for n, m in enumerate(measures):
        if keyword in m.heading:
            measures[n] = Measure(m.heading, sentence if m.stock else m.body + sentence)
            return True
    return False


def enumerate_measures(
    measures: list[Measure], lead: str = "", per_paragraph: int = ITEMS_PER_PARAGRAPH
) -> list[str]:
    """Paragraphs of ``一是…二是…``, the lead sentence first.

    At most ``per_paragraph`` items and about ``PARAGRAPH_LIMIT`` characters each; numbering
    runs on across paragraphs; one measure alone is printed without an ordinal.
    """
    numbered = len(measures) > 1
    # Five items go three and two, not four and one: an even split leaves no item on its own.
    per_paragraph = min(
        per_paragraph, math.ceil(len(measures) / max(1, math.ceil(len(measures) / per_paragraph)))
    )
    paragraphs: list[str] = []
    # A lead may announce the items with a colon ("主要做了以下工作："); otherwise it is a sentence.
    current, count = (lead if lead.endswith("：") else as_sentence(lead)) if lead else "", 0
    for n, m in enumerate(measures, 1):
        text = m.text(n if numbered else None, after_lead=bool(lead))
        too_long = len(current) + len(text) > PARAGRAPH_LIMIT
        if count and (count >= per_paragraph or too_long):
            paragraphs.append(current)
            current, count = "", 0
        elif not count and current and too_long:
            paragraphs.append(current)  # the lead sentence alone, then the items
            current = ""
        current += text
        count += 1
    if current:
        paragraphs.append(current)
    return paragraphs


def enumerations(paragraph: str) -> int:
    """How many ``一是``/``二是`` items a paragraph holds."""
    return len(_ENUM_MARK_RE.findall(paragraph))


# -- long paragraphs ------------------------------------------------------------------------------


def split_long(paragraph: str, limit: int = PARAGRAPH_LIMIT) -> list[str]:
    """A paragraph over ``limit`` characters cut at sentence ends into pieces of about ``limit``.

    The cut goes before an ``X是`` item where one is near, never between an item's heading and
    what follows it.
    """
    if len(paragraph) <= limit:
        return [paragraph]
    sentences = [s for s in re.split(r"(?<=[。！？])(?![”’」）])", paragraph) if s]
    pieces: list[str] = []
    current = ""
    for s in sentences:
        if current and len(current) + len(s) > limit and not _is_heading_only(current):
            cut = _item_cut(current)
            if cut:
                pieces.append(current[:cut])
                current = current[cut:]
            else:
                pieces.append(current)
                current = ""
        current += s
    if current:
        pieces.append(current)
    return pieces


_ITEM_START_RE = re.compile(r"(?<=[。！？])[一二三四五六七八九十]+是")


def _item_cut(text: str) -> int:
    """Where the last ``X是`` item of ``text`` starts, when that leaves a third or more of the text
    before it (0 when there is no such cut)."""
    starts = [m.start() for m in _ITEM_START_RE.finditer(text)]
    good = [i for i in starts if i >= len(text) // 3]
    return good[-1] if good else 0


def _is_heading_only(text: str) -> bool:
    """Whether ``text`` ends with an item's heading alone (``…三是加强阵地建设。``)."""
    last = re.split(r"(?<=[。！？])", text.rstrip("。！？"))[-1]
    return bool(re.fullmatch(r"[一二三四五六七八九十]+是[^。！？]{2,16}", last))
