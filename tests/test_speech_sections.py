"""The speech's sections, which print no headings: their texts are the paragraphs tagged with their
ids (``@p:points``), shown after their last answer and by ``/section N``, rewritten in place in the
DOCX (salutation, opening and closing untouched) and restored."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from bot.document.model import Role
from bot.document.render import Renderer
from bot.document.sections import bodies, with_texts
from bot.service.reports import Reports, Templates
from bot.service.sections import SectionDrafts
from storage import COMPLETE
from tests.support.console_play import play_console
from tests.support.fakes import document_of, texts
from tests.support.interviews import complete_answers
from tests.support.telegram_app import Bot

OWNER = "console:eve"
TG_OWNER = "tg:42"
SPEECH = "study_speech"
OPENING, POINTS, CLOSING = 2, 3, 4  # 1 基本信息 prints only the title and the speaker
OWN_POINTS = [
    "第一，学习要往深里走。我带头读原著，今年以来通读了3本。",
    "第二，宣传要往实里走。我们把单位的好人好事拍成短片。",
]


def docx_paragraphs(path_or_bytes: Path | bytes) -> list[str]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    return [p.text for p in docx.Document(source).paragraphs if p.text]


def speech(reports: Reports, templates: Templates, **changes: object) -> int:
    report_id, _ = reports.new(OWNER, SPEECH)
    answers = {**complete_answers(templates.interview(SPEECH)), **changes}
    reports.store.save_step(OWNER, report_id, answers, {"question": None}, status=COMPLETE)
    return report_id


def test_the_speech_body_is_cut_into_its_sections(
    reports: Reports, templates: Templates, renderer: Renderer
) -> None:
    document = reports.document(OWNER, speech(reports, templates), renderer.composer)
    found = bodies(document)
    assert list(found) == ["opening", "points", "closing"]  # the basic facts print no body
    assert all(body.heading == "" for body in found.values())
    body = [p.text for p in document.paragraphs if p.role is Role.BODY]
    # Every body paragraph is one section's, in order: nothing left out, nothing twice.
    assert [line for b in found.values() for line in b.text.split("\n")] == body
    assert found["opening"].text.startswith("按照学习安排，我认真学习了")
    assert found["opening"].text.endswith("下面，我谈几点体会，与同志们交流。")
    points = found["points"].text.split("\n")
    assert [p[:3] for p in points] == ["第一，", "第二，", "第三，", "第四，"]
    assert found["closing"].text.endswith("发言完毕，不当之处，请批评指正。谢谢！")

    replaced = with_texts(document, {"points": "\n".join(OWN_POINTS)})
    assert bodies(replaced)["points"].text == "\n".join(OWN_POINTS)
    for section in ("opening", "closing"):
        assert bodies(replaced)[section].text == found[section].text
    kept = [p for p in replaced.paragraphs if p.role is not Role.BODY]
    assert kept == [p for p in document.paragraphs if p.role is not Role.BODY]


def test_the_fixture_speech_prints_the_same_and_has_its_sections(
    reports: Reports, templates: Templates, renderer: Renderer
) -> None:
    import json

    path = Path(__file__).parent / "fixtures" / "source_reports" / "003d_speech.answers.json"
    answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
    document = renderer.composer.compose(templates.types[SPEECH], answers)
    found = bodies(document)
    assert list(found) == ["opening", "points", "closing"]
    assert found["points"].text.count("\n") >= 8  # a point's reasoning runs over paragraphs
    assert "\n".join(b.text for b in found.values()) == "\n".join(
        p.text for p in document.paragraphs if p.role is Role.BODY
    )


def test_rewritten_points_print_in_place_and_restore(
    reports: Reports, templates: Templates, renderer: Renderer, drafts: SectionDrafts
) -> None:
    report_id = speech(reports, templates, point4_title=None, point4_body=None, point4_example=None)
    generated = drafts.view(OWNER, report_id, POINTS)
    assert generated.heading == "主要观点" and not generated.headed  # the title stands in
    assert generated.text.startswith("第一，") and "第三，" in generated.text
    assert drafts.view(OWNER, report_id, OPENING).heading == "开场"
    assert drafts.polish_input(OWNER, report_id, POINTS).heading == "主要观点"
    before = docx_paragraphs(renderer.writer.to_bytes(reports.document(OWNER, report_id, renderer.composer)))

    view = drafts.replace(OWNER, report_id, POINTS, "\n".join(OWN_POINTS), "hand")
    assert view.origin == "hand" and view.text == "\n".join(OWN_POINTS)
    rows = list(reports.store.db.query("SELECT section_id, text FROM section_texts"))
    assert rows == [{"section_id": "points", "text": "\n".join(OWN_POINTS)}]
    after = docx_paragraphs(renderer.writer.to_bytes(reports.document(OWNER, report_id, renderer.composer)))
    at = before.index("下面，我谈几点体会，与同志们交流。") + 1
    closing = next(p for p in before if p.startswith("下一步"))
    end = before.index(closing)
    assert after == before[:at] + OWN_POINTS + before[end:]  # title, 同志们：, opening, closing kept
    assert after[-1] == "发言完毕，不当之处，请批评指正。谢谢！"

    assert drafts.restore(OWNER, report_id, POINTS)
    assert drafts.view(OWNER, report_id, POINTS).text == generated.text
    again = docx_paragraphs(renderer.writer.to_bytes(reports.document(OWNER, report_id, renderer.composer)))
    assert again == before


def test_rewritten_closing_keeps_the_points(
    reports: Reports, templates: Templates, renderer: Renderer, drafts: SectionDrafts
) -> None:
    report_id = speech(reports, templates)
    before = reports.document(OWNER, report_id, renderer.composer)
    drafts.replace(OWNER, report_id, CLOSING, "我一定抓好落实。\n谢谢大家！", "hand")
    after = reports.document(OWNER, report_id, renderer.composer)
    assert [p.text for p in after.paragraphs[-2:]] == ["我一定抓好落实。", "谢谢大家！"]
    assert after.paragraphs[:-2] == before.paragraphs[:-2]


def play(reports: Reports, tmp_path: Path, lines: list[str]) -> str:
    return play_console(reports, OWNER, tmp_path, lines)


def test_console_shows_the_points_after_their_last_answer_and_by_section(
    reports: Reports, templates: Templates, tmp_path: Path
) -> None:
    definition = templates.types[SPEECH]
    answers = complete_answers(templates.interview(SPEECH))
    earlier = {
        k: v
        for k, v in answers.items()
        if definition.section_of(k).id != "closing" and not k.startswith("point4")
    }
    report_id, _ = reports.new(OWNER, SPEECH)
    reports.store.save_step(OWNER, report_id, earlier, {"question": "point4_title"})
    out = play(
        reports,
        tmp_path,
        ["/skip", "/rewrite 3", *OWN_POINTS, "完成", "/section 3", "/preview", "/restore 3"],
    )
    done = out.index("“主要观点”部分已填完。以下是将打印的文字（这一部分不印标题）")
    shown = out.index("【第3部分 · 主要观点】报告中将打印的文字：\n\n主要观点\n第一，", done)
    assert "第三，" + answers["point3_title"] in out[shown:]  # type: ignore[operator]
    assert "“第一，”这样的序号也请照写" in out
    assert "已保存：第3部分“主要观点”" in out
    changed = out.index(
        "【第3部分 · 主要观点】报告中将打印的文字（已由您改写）：\n\n主要观点\n" + "\n".join(OWN_POINTS)
    )
    assert changed > done
    [written] = (tmp_path / "out").glob("*（草稿）.docx")
    paragraphs = docx_paragraphs(written)
    at = paragraphs.index("下面，我谈几点体会，与同志们交流。")
    assert paragraphs[at + 1 : at + 3] == OWN_POINTS
    assert paragraphs[at + 3].startswith("【待填写")  # the closing is not answered yet
    assert "已恢复：第3部分“主要观点”" in out
    assert reports.load(OWNER, report_id).texts == {}


async def test_telegram_shows_and_rewrites_the_points(bot: Bot, templates: Templates) -> None:
    chat = bot.chat(42)
    await chat.send("/start")
    report_id, _ = bot.reports.new(TG_OWNER, SPEECH, activate=True)
    definition = templates.types[SPEECH]
    answers = complete_answers(templates.interview(SPEECH))
    given = {
        k: v for k, v in answers.items() if definition.section_of(k).id != "closing" and k != "point4_example"
    }
    bot.reports.store.save_step(TG_OWNER, report_id, given, {"question": "point4_example"})
    chat.new_calls()
    position = bot.reports.current(TG_OWNER, report_id).prompt.position  # type: ignore[union-attr]
    said = texts(await chat.press_data(f"sk:{report_id}:{position}"))
    assert "“主要观点”部分已填完。以下是将打印的文字（这一部分不印标题）" in said
    assert "【第3部分 · 主要观点】报告中将打印的文字：\n\n主要观点\n第一，" in said
    assert said.index("部分已填完") < said.index("【第4/4部分")  # then the closing's question

    said = texts(await chat.press("改写"))
    assert "请发送第3部分“主要观点”的新文字" in said and "“第一，”“第二，”这样的序号也请照写" in said
    said = texts(await chat.send("\n".join(OWN_POINTS)))
    assert "已保存：第3部分“主要观点”" in said
    rows = list(bot.reports.store.db.query("SELECT section_id, text, origin FROM section_texts"))
    assert rows == [{"section_id": "points", "text": "\n".join(OWN_POINTS), "origin": "hand"}]
    printed = docx_paragraphs(document_of(await chat.send("/preview"))[1])
    at = printed.index("下面，我谈几点体会，与同志们交流。")
    assert printed[at + 1 : at + 3] == OWN_POINTS
