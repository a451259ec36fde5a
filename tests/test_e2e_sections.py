"""End to end: the real bot process against the Bot API emulator and a fake OpenAI-compatible
server: a section's text shown after its last answer, one section rewritten by hand, another
polished by the model, and the DOCX holding both."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from bot.document.render import Renderer
from bot.service.reports import Reports, Templates
from bot.service.sections import SectionDrafts
from storage import Store
from tests.support.bot_process import TOKEN, BotProcess, User
from tests.support.emulator import Emulator
from tests.support.emulator_calls import document, has_button, says
from tests.support.fake_llm import FakeLlm, Reply, fake_llm_server
from tests.support.interviews import TODAY, complete_answers
from tests.support.paths import TEMPLATES

USER = 5101
OWNER = f"tg:{USER}"
API_KEY = "sk-local-e2e-secret-9f8e7d"
OWN_TEXT = (
    "我局党组把意识形态工作摆上重要议事日程，专题研究意识形态工作。\n"
    "领导小组由局长任组长，分管副局长具体抓，各股室负责人抓好分管领域。"
)


@pytest.fixture
def llm() -> Iterator[FakeLlm]:
    with fake_llm_server() as fake:
        yield fake


@pytest.fixture
def started(emulator: Emulator, llm: FakeLlm, tmp_path: Path, templates: Templates) -> Iterator[BotProcess]:
    process = BotProcess(emulator, tmp_path)
    process.env.update(
        {
            "REPORTBOT_LLM_BASE_URL": llm.base_url,
            "REPORTBOT_LLM_MODEL": "qwen-test",
            "REPORTBOT_LLM_API_KEY": API_KEY,
            "REPORTBOT_LLM_TIMEOUT": "20",
        }
    )
    # A report answered up to its last question (optional details on the next steps).
    store = Store.open(process.db)
    reports = Reports(store, templates, lambda: TODAY)
    report_id, _ = reports.new(OWNER, "unit_periodic", activate=True)
    answers = complete_answers(templates.interview("unit_periodic"))
    answers.pop("next_details")
    store.save_step(OWNER, report_id, answers, {"question": "next_details"})
    store.close()
    process.start()
    yield process
    process.stop()
    log = process.log.read_bytes()
    assert API_KEY.encode() not in log and TOKEN.split(":")[1].encode() not in log


def current_text(process: BotProcess, templates: Templates, number: int) -> str:
    store = Store.open(process.db)
    try:
        reports = Reports(store, templates, lambda: TODAY)
        [report] = store.list_reports(OWNER, status=None)
        composer = Renderer.create(TEMPLATES).composer
        return SectionDrafts(reports, lambda: composer).view(OWNER, report.id, number).text
    finally:
        store.close()


def test_rewritten_and_polished_sections_in_the_docx(
    emulator: Emulator, started: BotProcess, llm: FakeLlm, templates: Templates
) -> None:
    user = User(emulator, started, USER)
    # The last question answered: the section's text, then the finished report.
    sent = user.send("/skip", document)
    said = "\n".join(m.text for m in sent)
    assert "“下一步打算”部分已填完" in said and "下一步工作打算" in said
    assert said.index("部分已填完") < said.index("全部问题已回答")
    [shown] = [m for m in sent if "部分已填完" in m.text]
    assert [b["text"] for b in shown.buttons()] == ["保留", "改写", "润色"]  # still there

    # Section 2 rewritten by hand.
    user.send("/review", has_button("2. 组织领导"))
    user.press("2. 组织领导", has_button("改写"))
    user.press("改写", says("请发送第2部分“组织领导”的新文字"))
    sent = user.send(OWN_TEXT, has_button("恢复"))
    assert "已保存：第2部分“组织领导”" in "\n".join(m.text for m in sent)

    # Section 3 polished: told where it goes, then offered beside the current text, then taken.
    study = current_text(started, templates, 3)
    polished = study.replace("引导党员和", "切实引导党员和", 1)
    assert polished != study
    invented = polished + "全年共开展专题学习50次。"
    llm.script(Reply.completion(invented), Reply.completion(polished))
    user.send("/review", has_button("3. 理论学习"))
    user.press("3. 理论学习", has_button("润色"))
    sent = user.press("润色", has_button("确认发送"))
    notice = "\n".join(m.text for m in sent)
    assert f"127.0.0.1:{llm.port}" in notice and "本单位内部网络" in notice
    assert llm.requests == []  # nothing sent before the user confirmed
    sent = user.press("确认发送", has_button("重试"))
    refused = "\n".join(m.text for m in sent)
    assert (
        "正在请语言模型润色第3部分" in refused
        and "模型的润色稿没有采用：润色稿多出了原文没有的“50次”。原文未作改动。" in refused
    )
    assert invented not in refused
    sent = user.press("重试", has_button("采用"))
    offer = "\n".join(m.text for m in sent)
    assert polished in offer and "现在的文字：" in offer
    _, request = llm.requests
    assert request.headers.get("Authorization") == f"Bearer {API_KEY}"
    sent_text = "\n".join(m["content"] for m in request.messages())
    assert study in sent_text and "强化理论学习" in sent_text
    user.press("采用", says("已采用润色稿"))

    sent = user.send("/export", document)
    [file] = [m.document for m in sent if m.document]
    assert file is not None
    paragraphs = [p.text for p in docx.Document(io.BytesIO(file[1])).paragraphs]
    at = paragraphs.index("一、加强组织领导，压实工作责任")
    assert paragraphs[at + 1 : at + 3] == OWN_TEXT.split("\n")
    at = paragraphs.index("二、强化理论学习，筑牢思想根基")
    assert paragraphs[at + 1 : at + 1 + len(polished.split("\n"))] == polished.split("\n")
    assert "三、抓好舆论引导，巩固宣传阵地" in paragraphs
