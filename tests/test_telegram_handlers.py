"""Telegram handlers, driven through the real Application with a recording request class."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.document.model import file_name
from bot.document.render import Renderer
from bot.interview.definition import Kind
from bot.service.reports import Templates
from bot.telegram.keys import MAX_BYTES, decode, encode
from bot.telegram.wiring import register_commands
from tests.support.fakes import Call, document_of, docx_text, texts
from tests.support.interviews import TYPE_IDS
from tests.support.paths import TEMPLATES
from tests.support.tables import tables
from tests.support.telegram_app import Bot, make_bot
from tests.support.telegram_play import answer_current, readme_lengths


def keyboards(calls: list[Call]) -> list[list[dict[str, Any]]]:
    found = []
    for call in calls:
        markup = call.params.get("reply_markup")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            found.append([b for row in markup["inline_keyboard"] for b in row])
    return found


@pytest.mark.parametrize("type_id", TYPE_IDS)
async def test_each_type_completed_in_the_chat_gets_its_docx(bot: Bot, type_id: str) -> None:
    chat = bot.chat(42)
    greeting = await chat.send("/start")
    assert "报告助手" in texts(greeting)
    name = bot.reports.templates.types[type_id].name
    calls = await chat.press(name)
    assert f"已新建：{name}" in texts(calls)
    assert "【第1/" in texts(calls) and "部分 · 第1" in texts(calls)
    owner = "tg:42"
    [draft] = bot.reports.store.list_reports(owner)
    calls = []
    for _ in range(200):
        if bot.reports.current(owner, draft.id).prompt is None:
            break
        calls = await answer_current(bot, chat, owner, draft.id)
    # The README tells an official how long each interview is: from choosing the type (a press)
    # to the DOCX, and it must say what this play counted.
    answers = bot.reports.load(owner, draft.id).answers
    questions = len(bot.reports.templates.interview(type_id).applicable_questions(answers))
    counted = (questions, chat.sent - 1, chat.pressed)  # not the /start before choosing
    assert readme_lengths().get(type_id) == counted, f"README.md: {type_id} takes {counted}"
    filename, content = document_of(calls)
    # The DOCX's caption says the report is finished; no message of its own.
    assert "全部问题已回答，报告已完成" in texts([c for c in calls if c.method == "sendDocument"])
    assert "全部问题已回答" not in texts([c for c in calls if c.method == "sendMessage"])
    report = bot.reports.load(owner, draft.id)
    assert report.status == "complete"
    text = docx_text(content)
    title = bot.reports.document(owner, draft.id, Renderer.create(TEMPLATES).composer).title
    assert filename == file_name(title)
    definition = bot.reports.templates.types[type_id]
    for q in bot.reports.templates.interview(type_id).applicable_questions(report.answers):
        if q.kind is Kind.INTEGER:
            assert report.answers[q.id] == 5 and f"5{q.unit}" in text, q.id
        if q.kind is Kind.LIST:
            assert f"第二条写{q.label}" in text, q.id
        if q.kind is Kind.DETAILS:
            assert f"补充{q.label}" in text, q.id
    assert definition.questions
    for call in bot.request.calls:
        for row in keyboards([call]):
            for button in row:
                assert len(button["callback_data"].encode()) <= MAX_BYTES


async def test_commands_menu_in_chinese(bot: Bot) -> None:
    await register_commands(bot.app)
    [call] = [c for c in bot.request.calls if c.method == "setMyCommands"]
    commands = (
        json.loads(call.params["commands"])
        if isinstance(call.params["commands"], str)
        else call.params["commands"]
    )
    assert {c["command"] for c in commands} >= {"start", "new", "drafts", "review", "preview", "export"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c["description"]) for c in commands)


async def test_typed_answer_progress_and_rejection(bot: Bot) -> None:
    chat = bot.chat(7)
    await chat.send("/new")
    await chat.press("单位意识形态")
    calls = await chat.send("某市交通运输局")
    assert "【第1/8部分 · 第2题】" in texts(calls)  # the issuer may still add a question
    # One Bot API call per typed answer: the previous question keeps its (now expired) buttons.
    assert [c.method for c in calls] == ["sendMessage"]
    await chat.send("我局")
    await chat.press("党组")
    await chat.send("/skip")  # who reports: the unit (optional)
    await chat.send("/skip")  # the staff noun (optional)
    calls = await chat.send("很多年")
    assert "请发送四位年份" in texts(calls)
    [report] = bot.reports.store.list_reports("tg:7")
    assert "year" not in report.answers and report.answers["party_body"] == "党组"


async def test_suggestion_button_from_profile(bot: Bot) -> None:
    chat = bot.chat(8)
    await chat.send("/new")
    await chat.press("意识形态和网络意识形态工作自查报告")
    await chat.send("某区政府办公室")
    await chat.send("/cancel")
    await chat.send("/new")
    calls = await chat.press("单位意识形态")
    assert any(b["text"] == "沿用上次：某区政府办公室" for kb in keyboards(calls) for b in kb)
    await chat.press("沿用上次：某区政府办公室")
    reports = bot.reports.store.list_reports("tg:8")
    assert reports[0].answers == {"unit_name": "某区政府办公室"}


async def test_back_skip_section_and_review_change(bot: Bot) -> None:
    chat = bot.chat(9)
    await chat.send("/new")
    await chat.press("理论学习中心组")
    calls = await chat.send("/skip")
    assert "是必填项" in texts(calls)  # the meeting's name goes into the title
    await chat.send("学习会")
    await chat.send("张三")
    calls = await chat.send("/back")
    assert "当前答案：张三" in texts(calls)
    await chat.send("李四")
    calls = await chat.send("/section")
    assert "请选择要跳转的部分" in texts(calls)
    calls = await chat.press("3. 主要观点")
    assert "第一点的论点是什么" in texts(calls)
    calls = await chat.send("/review")
    assert "【答案总览】" in texts(calls)
    await chat.press("✎2")
    calls = await chat.send("王五")
    assert "已修改。" in texts(calls) and "[2] 发言人：王五" in texts(calls)
    [report] = bot.reports.store.list_reports("tg:9")
    assert report.answers["speaker_name"] == "王五" and report.answers["meeting_name"] == "学习会"


async def test_long_review_is_split(bot: Bot) -> None:
    chat = bot.chat(10)
    await chat.send("/new")
    await chat.press("理论学习中心组")
    [report] = bot.reports.store.list_reports("tg:10")
    long = {key: "长" * 1990 for key in ("opening", "point1_body", "point2_body", "point3_body")}
    bot.reports.store.save_step("tg:10", report.id, long, report.cursor)
    calls = await chat.send("/review")
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) >= 4 and all(len(str(c.params["text"])) <= 4096 for c in sent)
    assert "".join(str(c.params["text"]) for c in sent).count("长" * 1990) == 4
    assert keyboards(sent[-2:-1]) and sent[-2].params["text"] == "点按编号修改对应的答案："
    # Then the speech's parts whose printed text can be shown (the basic facts print none).
    parts = [button["text"] for button in keyboards(sent[-1:])[0]]
    assert parts == ["2. 开场", "3. 主要观点", "4. 表态"]


async def test_forged_stale_and_invalid_buttons_change_nothing(bot: Bot) -> None:
    alice, mallory = bot.chat(11), bot.chat(12)
    await alice.send("/new")
    await alice.press("单位意识形态")
    await alice.send("甲局")
    [report] = bot.reports.store.list_reports("tg:11")
    before = bot.reports.load("tg:11", report.id)
    mallory.new_calls()
    for data in (
        encode("ch", report.id, 3, 1),
        encode("res", report.id),
        encode("delok", report.id),
        encode("ed", report.id, 1),
        encode("sec", report.id, 2),
    ):
        calls = await mallory.press_data(data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "过期" in str(calls[0].params.get("text"))
    calls = await alice.press_data(encode("ch", report.id, 1, 1))  # question 1 is no longer asked
    assert "过期" in texts(calls) or "过期" in str(calls[0].params.get("text"))
    for data in ("x" * 70, "ch:1", "rm -rf", "ch:1:2:3:4", "", "新:1"):
        calls = await alice.press_data(data)
        assert "无法识别" in str(calls[0].params.get("text"))
    after = bot.reports.load("tg:11", report.id)
    assert after.answers == before.answers and after.cursor == before.cursor
    assert bot.reports.store.list_reports("tg:12", status=None) == []
    assert decode(encode("ch", 1, 2, 3)) is not None and decode("ch:1:2") is None


async def test_update_delivered_twice_is_applied_once(bot: Bot) -> None:
    chat = bot.chat(13)
    await chat.send("/new")
    await chat.press("单位意识形态")
    await chat.send("甲局")
    [report] = bot.reports.store.list_reports("tg:13")
    await chat.send("/section")
    await chat.press("2. 组织领导")
    for _ in range(20):  # optional questions skipped, counts answered, up to the phrase bank
        prompt = bot.reports.current("tg:13", report.id).prompt
        assert prompt is not None
        if prompt.question.id == "leadership_measures":
            break
        await chat.send("/skip" if prompt.question.optional else "3")
    ids = [q.id for q in bot.reports.templates.types["unit_periodic"].questions]
    position = ids.index("leadership_measures") + 1
    update = chat.button_update(encode("ch", bot.reports.store.list_reports("tg:13")[0].id, position, 1))
    await chat.deliver(update)
    await chat.deliver(update)  # Telegram re-delivers after a crash
    [report] = bot.reports.store.list_reports("tg:13")
    assert len(report.answers["leadership_measures"]) == 1  # toggled once, not on and off again
    text_update = chat.message_update("我们自己的做法")
    await chat.deliver(text_update)
    await chat.deliver(text_update)
    [report] = bot.reports.store.list_reports("tg:13")
    assert report.answers["leadership_measures"].count("我们自己的做法") == 1


async def test_non_text_messages_get_a_clear_reply(bot: Bot) -> None:
    chat = bot.chat(14)
    for extra in (
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"location": {"latitude": 1.0, "longitude": 2.0}},
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
    ):
        await chat.deliver(chat.message_update(**extra))
        assert "我只能读取文字消息" in texts(chat.new_calls())


async def test_group_chat_is_told_once(bot: Bot) -> None:
    group = bot.chat(15, chat_type="group")
    first = await group.send("/start")
    second = await group.send("你好")
    assert "只在私聊中使用" in texts(first) and second == []
    assert bot.reports.store.list_reports("tg:15", status=None) == []


async def test_not_allowed_users_refused_once_and_nothing_stored(
    tmp_path: Path, templates: Templates
) -> None:
    b = await make_bot(tmp_path, templates, ALLOWED_USER_IDS="1, 2")
    try:
        stranger = b.chat(99)
        first = await stranger.send("/start")
        second = await stranger.send("/new")
        assert "没有使用本机器人的权限" in texts(first) and second == []
        assert tables(b.reports.store)["users"].count == 0
        friend = b.chat(2)
        assert "报告助手" in texts(await friend.send("/start"))
    finally:
        await b.close()


async def test_refused_button_presses_change_nothing(tmp_path: Path, templates: Templates) -> None:
    b = await make_bot(tmp_path, templates, ALLOWED_USER_IDS="1")
    try:
        calls = await b.chat(99).press_data("new:1")
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "没有使用本机器人的权限" in calls[0].params["text"]
        calls = await b.chat(1, chat_type="group").press_data("new:1")
        assert [c.method for c in calls] == ["answerCallbackQuery"] and "只在私聊中使用" in texts(calls)
        assert tables(b.reports.store)["users"].count == 0
    finally:
        await b.close()


async def test_edited_messages_are_not_answered_again(bot: Bot) -> None:
    chat = bot.chat(17)
    await chat.send("/new")
    await chat.press("单位意识形态")
    edited = chat.message_update("乙局").to_dict()["message"]
    update = chat.raw_update({"edited_message": edited})
    await chat.deliver(update)
    assert chat.new_calls() == []
    [report] = bot.reports.store.list_reports("tg:17")
    assert report.answers == {}
    assert bot.reports.store.applied(update.update_id)  # handled: not applied again


async def test_unexpected_error_is_logged_and_user_told(
    bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = bot.chat(16)
    await chat.send("/new")
    await chat.press("单位意识形态")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.reports, "act", broken)
    with caplog.at_level(logging.ERROR):
        calls = await chat.send("甲局")
    assert "您已回答的内容都已保存" in texts(calls)
    assert "disk on fire" in caplog.text


async def test_drafts_resume_and_delete_with_confirmation(bot: Bot) -> None:
    chat = bot.chat(17)
    await chat.send("/new")
    await chat.press("单位意识形态")
    await chat.send("甲局")
    await chat.send("/new")
    await chat.press("领导干部个人")
    calls = await chat.send("/drafts")
    assert "您的草稿" in texts(calls)
    calls = await chat.press("单位意识形态")
    assert "继续填写：单位意识形态工作责任制落实情况报告" in texts(calls) and "正文中对本单位的简称" in texts(
        calls
    )
    await chat.send("/drafts")
    calls = await chat.press("删除")
    assert any(c.method == "editMessageText" and "确定删除" in str(c.params["text"]) for c in calls)
    await chat.press("确认删除")
    assert len(bot.reports.store.list_reports("tg:17")) == 1


async def test_preview_and_export(bot: Bot) -> None:
    chat = bot.chat(18)
    await chat.send("/new")
    await chat.press("单位意识形态")
    await chat.send("甲局")
    calls = await chat.send("/preview")
    filename, content = document_of(calls)
    assert filename.endswith("（草稿）.docx") and "【待填写：" in docx_text(content)
    calls = await chat.send("/export")
    assert "必填内容未填写" in texts(calls)


async def test_profile_show_and_change(bot: Bot) -> None:
    chat = bot.chat(19)
    calls = await chat.send("/profile")
    assert "已记住的信息" in texts(calls)
    await chat.press("修改 1")
    calls = await chat.send("新单位名称")
    assert "已更新“单位名称”" in texts(calls)
    assert bot.reports.store.profile("tg:19") == {"unit_name": "新单位名称"}
