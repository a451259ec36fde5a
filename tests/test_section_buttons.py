"""The section buttons in Telegram: see a section's text, 改写 by the next message, 恢复, 润色
(the model stood in for here; the real client against a fake server is in the end-to-end test),
and the question after an answer changed in a rewritten section."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import docx
import pytest

import bot.service.polish as polish
from bot.document.fact_lock import Violation
from bot.service.polish import Polished
from bot.service.reports import Templates
from bot.service.sections import SectionView
from bot.telegram.section_views import view_replies
from bot.telegram.views import MAX_MESSAGE
from storage import COMPLETE
from tests.support.fakes import Call, Chat, document_of, texts
from tests.support.interviews import complete_answers
from tests.support.telegram_app import Bot, make_bot

OWNER = "tg:42"
OWN_TEXT = (
    "我局党组把意识形态工作摆上重要议事日程，全年专题研究3次。\n领导小组由局长任组长，分管副局长具体抓。"
)
POLISHED = "局党组坚持把意识形态工作摆在突出位置，压实主体责任。"
LLM = {"REPORTBOT_LLM_BASE_URL": "http://10.1.2.3:8000/v1", "REPORTBOT_LLM_MODEL": "qwen"}


def labels(calls: list[Call]) -> list[str]:
    found = []
    for call in calls:
        markup = call.params.get("reply_markup")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            found += [b["text"] for row in markup["inline_keyboard"] for b in row]
    return found


def docx_of(calls: list[Call]) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(document_of(calls)[1])).paragraphs)


async def with_report(b: Bot, templates: Templates) -> tuple[Chat, int]:
    chat = b.chat(42)
    await chat.send("/start")
    report_id, _ = b.reports.new(OWNER, "unit_periodic", activate=True)
    answers = complete_answers(templates.interview("unit_periodic"))
    b.reports.store.save_step(OWNER, report_id, answers, {"question": None}, status=COMPLETE)
    chat.new_calls()
    return chat, report_id


def stored_texts(b: Bot) -> list[dict[str, Any]]:
    return list(b.reports.store.db.query("SELECT section_id, text, origin FROM section_texts"))


async def test_rewrite_restore_and_an_answer_changed(bot: Bot, templates: Templates) -> None:
    chat, _ = await with_report(bot, templates)
    calls = await chat.send("/review")
    assert "查看某一部分将打印的文字" in texts(calls)
    assert "1. 基本信息" not in labels(calls)  # it prints no text of its own
    calls = await chat.press("2. 组织领导")
    shown = texts(calls)
    assert "【第2部分 · 组织领导】报告中将打印的文字" in shown and "一、加强组织领导，压实工作责任" in shown
    assert labels(calls) == ["保留", "改写"]  # no model configured, nothing changed yet

    calls = await chat.press("改写")
    assert "请发送第2部分“组织领导”的新文字" in texts(calls)
    calls = await chat.send("   ")
    assert "没有收到文字" in texts(calls) or calls == []
    calls = await chat.send(OWN_TEXT)
    assert "已保存：第2部分“组织领导”以后在预览和正式文档中都使用您的文字" in texts(calls)
    assert "（已由您改写）" in texts(calls) and OWN_TEXT in texts(calls)
    assert labels(calls) == ["保留", "改写", "恢复"]
    assert stored_texts(bot) == [{"section_id": "leadership", "text": OWN_TEXT, "origin": "hand"}]
    assert bot.reports.store.rewriting(OWNER) is None

    calls = await chat.send("/preview")
    printed = docx_of(calls)
    assert "一、加强组织领导，压实工作责任\n" + OWN_TEXT + "\n二、强化理论学习" in printed

    # An answer of that section changed from the review.
    review = bot.reports.act(OWNER, bot.reports.chats.active_report(OWNER) or 0, "review")
    number = next(i.number for s in review.review for i in s.items if i.question.id == "party_meetings")
    await chat.send("/review")
    await chat.press(f"✎{number}")
    calls = await chat.send("9次")
    said = texts(calls)
    assert "注意：第2部分“组织领导”的文字已由您改写" in said
    assert labels(calls)[:2] == ["保留我的文字", "按新回答重新生成"]
    assert said.index("注意") < said.index("答案总览")  # asked before the review comes back
    calls = await chat.press("保留我的文字")
    assert "继续使用您的文字" in texts(calls)
    assert stored_texts(bot)[0]["text"] == OWN_TEXT

    await chat.send("/review")
    await chat.press(f"✎{number}")
    await chat.send("10次")
    calls = await chat.press("按新回答重新生成")
    assert "已恢复：第2部分“组织领导”重新使用按回答生成的文字" in texts(calls)
    assert stored_texts(bot) == []
    calls = await chat.send("/preview")
    printed = docx_of(calls)
    assert OWN_TEXT.split("\n")[0] not in printed and "党组专题会议10次" in printed


async def test_cancel_a_rewrite(bot: Bot, templates: Templates) -> None:
    chat, report_id = await with_report(bot, templates)
    await chat.press_data(f"srw:{report_id}:2")
    calls = await chat.send("/cancel")
    assert "已放弃改写" in texts(calls)
    assert bot.reports.chats.active_report(OWNER) == report_id  # the report is not paused
    calls = await chat.send("随便一句")
    assert stored_texts(bot) == []
    assert "已保存" not in texts(calls)


async def test_buttons_on_someone_elses_report_or_a_bad_section(bot: Bot, templates: Templates) -> None:
    chat, report_id = await with_report(bot, templates)
    stranger = bot.chat(7)
    calls = await stranger.press_data(f"srw:{report_id}:2")
    assert "过期" in texts(calls)
    calls = await chat.press_data(f"sv:{report_id}:99")
    assert "没有这个部分" in texts(calls)
    calls = await chat.press_data(f"sv:{report_id}:1")
    assert "没有单独的正文" in texts(calls)
    calls = await chat.press_data(f"spo:{report_id}:2:1")  # no model configured
    assert "没有配置润色用的语言模型" in texts(calls)
    assert stored_texts(bot) == []


async def test_the_last_answer_of_a_section_shows_its_text(bot: Bot, templates: Templates) -> None:
    chat = bot.chat(42)
    await chat.send("/start")
    report_id, _ = bot.reports.new(OWNER, "unit_periodic", activate=True)
    definition = templates.types["unit_periodic"]
    answers = complete_answers(templates.interview("unit_periodic"))
    leadership = definition.sections[1]
    last = leadership.questions[-1].id
    given = {
        k: v
        for k, v in answers.items()
        if definition.section_of(k).id in ("basic", "leadership") and k != last
    }
    bot.reports.store.save_step(OWNER, report_id, given, {"question": last})
    chat.new_calls()
    calls = await chat.press_data(f"sk:{report_id}:{bot.reports.current(OWNER, report_id).prompt.position}")  # type: ignore[union-attr]
    said = texts(calls)
    assert "“组织领导”部分已填完" in said and "一、加强组织领导，压实工作责任" in said
    assert said.index("部分已填完") < said.index("【第3/8部分")  # then the next question
    assert "保留" in labels(calls) and "改写" in labels(calls)


def test_a_long_section_is_split_under_telegrams_limit(templates: Templates) -> None:
    section = templates.types["unit_periodic"].sections[1]
    long_text = "\n".join("这是很长的一段文字，" * 40 for _ in range(30))
    view = SectionView(1, 2, section, "一、加强组织领导", long_text, long_text, "hand")
    replies = view_replies(view, templates.messages, polish=True)
    assert len(replies) > 2
    assert all(len(r.text) <= MAX_MESSAGE for r in replies)
    assert [r.keyboard is not None for r in replies] == [False] * (len(replies) - 1) + [True]
    assert "".join(r.text for r in replies).count("这是很长的一段文字") == 40 * 30


@pytest.fixture
async def llm_bot(tmp_path: Path, templates: Templates) -> Any:
    b = await make_bot(tmp_path, templates, None, **LLM)
    yield b
    await b.close()


class FakeModel:
    """Stands in for bot.service.polish: scripted outcomes, a gate to hold the reply back."""

    def __init__(self, *outcomes: Polished) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, list[tuple[str, str]], str]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def polish_section(
        self, llm: Any, heading: str, answers: list[tuple[str, str]], generated: str, names: Any = ()
    ) -> Polished:
        self.calls.append((heading, answers, generated))
        await self.gate.wait()
        return self.outcomes.pop(0)


def rejected(polished: Polished) -> str:
    return "；".join(v.message for v in polished.violations)


async def settled(b: Bot, chat: Chat) -> list[Call]:
    polisher = b.app.bot_data["reportbot"].polisher
    await asyncio.wait_for(polisher.idle(), 10)
    return chat.new_calls()


async def test_polish_told_then_offered_then_adopted(
    llm_bot: Bot, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = FakeModel(Polished(POLISHED, [], None), Polished(POLISHED + "第二稿。", [], None))
    monkeypatch.setattr(polish, "polish_section", model.polish_section)
    chat, report_id = await with_report(llm_bot, templates)
    calls = await chat.press_data(f"sv:{report_id}:2")
    assert labels(calls) == ["保留", "改写", "润色"]
    calls = await chat.press("润色")
    assert "发送到 10.1.2.3:8000 上的语言模型" in texts(calls) and "本单位内部网络" in texts(calls)
    assert model.calls == []  # nothing is sent before the user confirms
    calls = await chat.press("确认发送")
    assert "正在请语言模型润色第2部分" in texts(calls)
    calls = await settled(llm_bot, chat)
    [(heading, answers, current)] = model.calls
    assert heading == "加强组织领导，压实工作责任" and "领导小组" in current
    assert any(label and value for label, value in answers)
    offer = texts(calls)
    assert POLISHED in offer and offer.index(POLISHED) < offer.index("现在的文字：\n")
    assert labels(calls) == ["采用", "不用"]
    assert stored_texts(llm_bot) == []  # nothing changes without 采用
    calls = await chat.press("采用")
    assert "已采用润色稿" in texts(calls)
    assert stored_texts(llm_bot) == [{"section_id": "leadership", "text": POLISHED, "origin": "polish"}]
    calls = await chat.press("采用")  # the offer was taken: a second press changes nothing
    assert "润色稿已失效" in texts(calls)

    # Told once: the second polish starts at once; 不用 keeps the text.
    await chat.press_data(f"spo:{report_id}:2:1")
    calls = await settled(llm_bot, chat)
    assert "第二稿" in texts(calls)
    calls = await chat.press("不用")
    assert "已放弃润色稿" in texts(calls)
    assert stored_texts(llm_bot)[0]["text"] == POLISHED


async def test_polish_rejected_retried_once_and_failures(
    llm_bot: Bot, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    invented = Polished(None, [Violation("invented", "50人次", "润色稿多出了原文没有的“50人次”")], None)
    dropped = Polished(None, [Violation("missing", "3次", "润色稿漏掉了“3次”")], None)
    failed = Polished(None, [], "语言模型在 60 秒内没有答复，请稍后再试。")
    model = FakeModel(invented, dropped, failed)
    monkeypatch.setattr(polish, "polish_section", model.polish_section)
    monkeypatch.setattr(polish, "rejection_message", rejected)
    chat, report_id = await with_report(llm_bot, templates)
    llm_bot.reports.store.set_polish_told(OWNER)
    await chat.press_data(f"spo:{report_id}:2:1")
    calls = await settled(llm_bot, chat)
    assert "润色稿多出了原文没有的“50人次”" in texts(calls)
    assert labels(calls) == ["重试"]
    await chat.press("重试")
    calls = await settled(llm_bot, chat)
    assert "漏掉了“3次”" in texts(calls) and labels(calls) == []  # one retry only
    await chat.press_data(f"spo:{report_id}:2:1")
    calls = await settled(llm_bot, chat)
    assert "语言模型在 60 秒内没有答复，请稍后再试。" in texts(calls) and labels(calls) == []
    assert stored_texts(llm_bot) == []


async def test_the_interview_goes_on_while_the_model_thinks(
    llm_bot: Bot, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = FakeModel(Polished(POLISHED, [], None))
    model.gate.clear()
    monkeypatch.setattr(polish, "polish_section", model.polish_section)
    chat, report_id = await with_report(llm_bot, templates)
    llm_bot.reports.store.set_polish_told(OWNER)
    await chat.press_data(f"spo:{report_id}:2:1")
    for _ in range(100):
        if model.calls:
            break
        await asyncio.sleep(0.01)
    assert model.calls  # the model is being asked…
    calls = await asyncio.wait_for(chat.send("/section"), 5)  # …and the user's next update is answered
    assert "请选择要跳转的部分" in texts(calls)
    other = llm_bot.chat(43)
    calls = await asyncio.wait_for(other.send("/start"), 5)
    assert "报告助手" in texts(calls)
    model.gate.set()
    calls = await settled(llm_bot, chat)
    assert POLISHED in texts(calls)


async def test_a_rewrite_begun_survives_a_restart(tmp_path: Path, templates: Templates) -> None:
    first = await make_bot(tmp_path, templates)
    chat, report_id = await with_report(first, templates)
    calls = await chat.press_data(f"srw:{report_id}:3")
    assert "请发送第3部分“理论学习”的新文字" in texts(calls)
    await first.close()

    second = await make_bot(tmp_path, templates)  # the same database file
    try:
        chat = second.chat(42)
        calls = await chat.send(OWN_TEXT)
        assert "已保存：第3部分“理论学习”" in texts(calls)
        assert stored_texts(second) == [{"section_id": "study", "text": OWN_TEXT, "origin": "hand"}]
    finally:
        await second.close()


async def test_a_rewrite_is_given_up_when_the_interview_goes_on(bot: Bot, templates: Templates) -> None:
    chat, report_id = await with_report(bot, templates)
    await chat.press_data(f"srw:{report_id}:2")
    await chat.send("/section")
    await chat.press("3. 理论学习")  # a jump is not a step on a question: still rewriting
    assert bot.reports.store.rewriting(OWNER) == f"{report_id}:2"
    await chat.send("/back")  # the interview goes on
    assert bot.reports.store.rewriting(OWNER) is None
    await chat.send("5次")
    assert stored_texts(bot) == []
