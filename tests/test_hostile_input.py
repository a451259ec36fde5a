"""Property-based tests: arbitrary text to every question kind, arbitrary button data."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.document.compose import Composer
from bot.document.docx_writer import DocxWriter
from bot.document.template_text import BREAK, clean_text
from bot.interview.definition import Kind
from bot.interview.engine import Cursor, State
from bot.interview.parsing import clean
from bot.service.reports import Templates
from bot.telegram.keys import OPS, encode
from storage import Store
from tests.support.interviews import TODAY, complete_answers
from tests.support.paths import TEMPLATES
from tests.support.telegram_app import make_bot

SPECIAL = [
    "{{ 7*7 }}",
    "{% for x in y %}{% endfor %}",
    "{# c #}",
    "'; DROP TABLE answers; --",
    "<script>alert(1)</script>",
    "<w:t>&amp;</w:t>",
    "１２３",
    "三十六",
    "-5",
    "99999999999999999999",
    "2023-02-30",
    "2023年13月45日",
    "\x00\x01\x0b\x1f",
    "\ud800\udfff",
    "\u200b\u200e\u202e",
    "😀👍🏽‍🔥",
    "长" * 4096,
    " \n\t ",
    "完成",
    "1 2 3 99",
    "@h1 标题",
    "\ufffe\uffff",
]
TEXT = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=300),
    st.text(alphabet="0123456789０１２３一二三十百千万两无次篇-年月日./ 、，", max_size=20),
)

# One question of every kind, from the shipped definitions.
KIND_QUESTIONS = {
    Kind.SHORT_TEXT: ("unit_periodic", "unit_name"),
    Kind.LONG_TEXT: ("study_speech", "point1_body"),
    Kind.INTEGER: ("unit_periodic", "party_meetings"),
    Kind.SINGLE_CHOICE: ("unit_periodic", "party_body"),
    Kind.MULTI_CHOICE: ("unit_periodic", "problems"),
    Kind.LIST: ("unit_periodic", "publicity_activities"),
    Kind.DATE: ("unit_periodic", "report_date"),
    Kind.YEAR: ("unit_periodic", "year"),
    Kind.PERIOD: ("unit_periodic", "period"),
}


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.open(tmp_path_factory.mktemp("hostile") / "h.db")
    yield store
    store.close()


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


@pytest.mark.parametrize("kind", list(KIND_QUESTIONS), ids=[k.value for k in KIND_QUESTIONS])
def test_any_text_is_stored_or_refused_and_renders(
    templates: Templates, hostile_store: Store, kind: Kind
) -> None:
    type_id, qid = KIND_QUESTIONS[kind]
    interview = templates.interview(type_id)
    definition = interview.definition
    base = complete_answers(interview)
    composer, writer = Composer(TEMPLATES), DocxWriter()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(TEXT)
    def check(text: str) -> None:
        answers = {k: v for k, v in base.items() if k != qid}
        step = interview.answer(State(answers, Cursor(qid), {}), text, TODAY)  # never raises
        if step.rejected:
            assert step.notice and not step.changes
            assert any("\u4e00" <= ch <= "\u9fff" for ch in step.notice)
            return
        rid = hostile_store.create_report("fuzz", type_id, {})
        hostile_store.save_step("fuzz", rid, {**answers, **step.changes}, step.cursor.to_dict())
        stored = hostile_store.load_report("fuzz", rid).answers
        document = composer.compose(definition, stored)
        text_out = docx_text(writer.to_bytes(document))
        if kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT) and qid in step.changes:
            typed = clean(text)
            if kind is Kind.SHORT_TEXT:
                typed = re.sub(r"\s*\n\s*", " ", typed)  # one line: line breaks become spaces
            assert stored[qid] == typed  # as typed, minus what cannot be stored or printed
            for piece in clean_text(stored[qid]).split(BREAK):
                assert piece.strip() in text_out

    check()


async def _fuzz_buttons(tmp_path: Path, templates: Templates, datas: list[str]) -> None:
    bot = await make_bot(tmp_path, templates)
    try:
        alice, mallory = bot.chat(31), bot.chat(32)
        await alice.send("/new")
        await alice.press("单位意识形态")
        await alice.send("甲局")
        [report] = bot.reports.store.list_reports("tg:31")
        before = bot.reports.load("tg:31", report.id)
        for data in datas:
            calls = await mallory.press_data(data.replace("{rid}", str(report.id)))
            said = "\n".join(str(c.params.get("text", "")) for c in calls)
            assert "出了问题" not in said
        after = bot.reports.load("tg:31", report.id)
        assert (after.answers, after.cursor, after.status) == (before.answers, before.cursor, before.status)
        assert bot.reports.store.list_reports("tg:32", status=None) == []
    finally:
        await bot.app.shutdown()
        bot.reports.store.close()


BUTTON_DATA = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda op, args: ":".join([op, *map(str, args)]),
        st.sampled_from(sorted(OPS)),
        st.lists(st.one_of(st.integers(0, 10**12), st.just("{rid}")), max_size=4),
    ),
    st.builds(
        lambda op, n: encode(op, *([0] * (OPS[op] - 1)), n)[:-1] if OPS[op] else op,
        st.sampled_from([op for op in OPS if OPS[op]]),
        st.integers(1, 9),
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(BUTTON_DATA, min_size=1, max_size=12))
def test_random_truncated_and_foreign_buttons_change_nothing(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates, datas: list[str]
) -> None:
    datas = [d for d in datas if "new:" not in d and "pf:" not in d]  # own profile/new report: allowed
    asyncio.run(_fuzz_buttons(tmp_path_factory.mktemp("fuzz"), templates, datas))
