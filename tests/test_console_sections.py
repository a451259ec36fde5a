"""The console's section commands: /section N, /rewrite N, /polish N, /restore N."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest

import bot.service.polish as polish
from bot.service.llm_settings import LlmSettings
from bot.service.polish import Polished
from bot.service.reports import Reports, Templates
from tests.support.console_play import play_console
from tests.support.interviews import complete_answers

OWNER = "console:dan"
OWN = ["我局党组把意识形态工作摆上重要议事日程，全年专题研究3次。", "领导小组由局长任组长。"]
LLM = LlmSettings("http://10.9.8.7:11434/v1", "qwen2.5:14b")


def play(reports: Reports, tmp_path: Path, lines: list[str], llm: LlmSettings | None = None) -> str:
    return play_console(reports, OWNER, tmp_path, lines, llm)


@pytest.fixture
def report_id(reports: Reports, templates: Templates) -> int:
    rid, _ = reports.new(OWNER, "unit_periodic")
    answers = complete_answers(templates.interview("unit_periodic"))
    reports.store.save_step(OWNER, rid, answers, {"question": None})  # a draft: listed first
    return rid


def stored(reports: Reports) -> list[dict[str, Any]]:
    return list(reports.store.db.query("SELECT section_id, text, origin FROM section_texts"))


def test_section_rewrite_preview_and_restore(reports: Reports, report_id: int, tmp_path: Path) -> None:
    answers = reports.load(OWNER, report_id).answers
    review = reports.templates.interview("unit_periodic").review_sections(answers)
    number = next(i.number for s in review for i in s.items if i.question.id == "party_meetings")
    out = play(
        reports,
        tmp_path,
        [
            "/section 2",
            "/rewrite 2",
            *OWN,
            "完成",
            "/preview",
            f"/edit {number}",
            "8次",
            "保留",
            "/restore 2",
            "/restore 2",
        ],
    )
    assert "【第2部分 · 组织领导】报告中将打印的文字：\n\n一、加强组织领导，压实工作责任\n" in out
    assert "发送 /rewrite 2 改写这一部分；直接回答则保留。" in out  # no model: no /polish
    assert "已保存：第2部分“组织领导”" in out and "（已由您改写）" in out
    [written] = (tmp_path / "out").glob("*（草稿）.docx")
    paragraphs = [p.text for p in docx.Document(str(written)).paragraphs]
    at = paragraphs.index("一、加强组织领导，压实工作责任")
    assert paragraphs[at + 1 : at + 3] == OWN
    assert "注意：第2部分“组织领导”的文字已由您改写" in out and "继续使用您的文字" in out
    assert "已恢复：第2部分“组织领导”" in out and "用的本来就是按回答生成的文字" in out
    assert stored(reports) == []
    assert reports.load(OWNER, report_id).answers["party_meetings"] == 8


def test_an_unclear_reply_to_keep_or_regenerate_is_asked_again(
    reports: Reports, report_id: int, tmp_path: Path
) -> None:
    answers = reports.load(OWNER, report_id).answers
    review = reports.templates.interview("unit_periodic").review_sections(answers)
    number = next(i.number for s in review for i in s.items if i.question.id == "party_meetings")
    out = play(reports, tmp_path, ["/rewrite 2", *OWN, "完成", f"/edit {number}", "8次", "重试", "重新生成"])
    assert "请输入“保留”或“重新生成”。" in out  # 重试 is neither: nothing decided on it
    assert "已恢复：第2部分“组织领导”" in out and "好的，第2部分“组织领导”继续使用您的文字" not in out
    assert stored(reports) == []


def test_bad_section_commands(reports: Reports, report_id: int, tmp_path: Path) -> None:
    out = play(reports, tmp_path, ["/rewrite", "/rewrite 99", "/polish 2", "/rewrite 2", "/cancel"])
    assert "请在命令后写上部分编号，例如 /rewrite 2" in out
    assert "没有这个部分。请发送 1 到 8 之间的部分编号" in out
    assert "没有配置润色用的语言模型" in out
    assert "已放弃改写" in out
    assert stored(reports) == []


def test_polish_in_the_console(
    reports: Reports, report_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = [
        Polished("局党组坚持把意识形态工作摆在突出位置。", [], None),
        Polished(None, [], "连接被拒绝。"),
    ]

    async def fake(llm: LlmSettings, heading: str, answers: Any, generated: str, names: Any = ()) -> Polished:
        assert llm is LLM and heading == "加强组织领导，压实工作责任"
        return replies.pop(0)

    monkeypatch.setattr(polish, "polish_section", fake)
    out = play(reports, tmp_path, ["/polish 2", "不", "/polish 2", "确认", "采用", "/polish 2"], LLM)
    assert out.count("发送到 10.9.8.7:11434 上的语言模型") == 2  # asked until confirmed, then not again
    assert "已取消润色，没有发送任何内容" in out
    assert "局党组坚持把意识形态工作摆在突出位置。\n\n现在的文字：\n" in out
    assert "已采用润色稿" in out
    assert "连接被拒绝。" in out
    assert stored(reports) == [
        {"section_id": "leadership", "text": "局党组坚持把意识形态工作摆在突出位置。", "origin": "polish"}
    ]
    assert reports.store.polish_told(OWNER)
