"""Polishing a section against a fake OpenAI-compatible server: what is sent, what is kept, what fails."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.settings import LlmSettings, Settings, SettingsError
from bot.document.fact_lock import Violation
from bot.service.polish import Polished, polish_section, rejection_message
from tests.support.fake_llm import FakeLlm, Reply, fake_llm_server
from tests.support.paths import REPO
from tests.support.polish_texts import FAITHFUL, GENERATED

KEY = "sk-local-9f8e7d6c5b4a39281706"
HEADING = "一、强化组织领导，压实意识形态工作责任"
ANSWERS = [
    ("党组专题研究意识形态工作次数", "3次"),
    ("编发信息篇数", "46篇"),
    ("参加培训人次", "近200人次"),
    ("传达学习的文件", "2026年3月5日传达学习《关于加强意识形态工作的通知》"),
]


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with fake_llm_server() as server:
        yield server


async def polish(fake: FakeLlm, reply: Reply, timeout: float = 10.0) -> Polished:
    fake.script(reply)
    return await polish_section(fake.settings(api_key=KEY, timeout=timeout), HEADING, ANSWERS, GENERATED)


async def test_a_faithful_rewrite_is_accepted_and_the_request_carries_the_section(fake: FakeLlm) -> None:
    polished = await polish(fake, Reply.completion(FAITHFUL))
    assert polished == Polished(FAITHFUL, [], None)
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "qwen-test"
    system, user = request.messages()
    assert system["role"] == "system" and user["role"] == "user"
    for rule in ("不写空话", "不得增加任何新的数字", "原样保留", "纯文本", "不要标题"):
        assert rule in system["content"]
    assert HEADING in user["content"] and GENERATED in user["content"]
    for label, answer in ANSWERS:
        assert f"{label}：{answer}" in user["content"]


async def test_the_key_goes_only_in_the_bearer_header(fake: FakeLlm) -> None:
    await polish(fake, Reply.completion(FAITHFUL))
    [request] = fake.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    others = {name: value for name, value in request.headers.items() if name != "Authorization"}
    assert KEY not in repr(others) and KEY.encode() not in request.raw


async def test_without_a_key_none_from_the_environment_is_sent(
    fake: FakeLlm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-of-someone-else-entirely-1234")
    fake.script(Reply.completion(FAITHFUL))
    polished = await polish_section(fake.settings(), HEADING, ANSWERS, GENERATED)
    assert polished.text == FAITHFUL
    assert fake.requests[0].headers["Authorization"] == "Bearer EMPTY"


async def test_markdown_and_a_reasoning_block_are_stripped(fake: FakeLlm) -> None:
    reply = f"<think>先想一想。</think>\n```text\n**{FAITHFUL[:40]}**{FAITHFUL[40:]}\n```"
    assert (await polish(fake, Reply.completion(reply))).text == FAITHFUL


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("46篇", "46篇、简报12期", "润色稿多出了原文没有的“12期”"),
        ("编发各类信息46篇，", "", "润色稿漏掉了“46篇”"),
        (
            "2026年3月5日",
            "2026年3月15日",
            "润色稿漏掉了“2026年3月5日”；润色稿多出了原文没有的“2026年3月15日”",
        ),
        ("层层压实工作责任", "局党组书记王强同志带头层层压实工作责任", "润色稿多出了原文没有的“王强”"),
    ],
)
async def test_a_reply_that_changes_a_fact_is_rejected_with_the_fact_named(
    fake: FakeLlm, old: str, new: str, message: str
) -> None:
    polished = await polish(fake, Reply.completion(FAITHFUL.replace(old, new)))
    assert polished.text is None and polished.error is None and polished.violations
    assert rejection_message(polished) == f"模型的润色稿没有采用：{message}。原文未作改动。"


async def test_a_reply_far_too_short_or_long_is_rejected(fake: FakeLlm) -> None:
    short = await polish(
        fake,
        Reply.completion(
            "召开会议3次，编发信息46篇，近200人次参训，2026年3月5日学习《关于加强意识形态工作的通知》。"
        ),
    )
    assert [v.kind for v in short.violations] == ["length"]
    assert "润色稿太短" in rejection_message(short)
    cut = await polish(fake, Reply.completion(FAITHFUL[:30]))
    assert rejection_message(cut).startswith("模型的润色稿没有采用：润色稿太短：")
    assert "润色稿漏掉了“近200人次”；润色稿漏掉了“2026年3月5日”；润色稿漏掉了“《关于" in rejection_message(
        cut
    )
    padding = "局党组坚持把意识形态工作摆在突出位置，与业务工作同部署、同落实、同检查、同考核。" * 3
    long = await polish(fake, Reply.completion(FAITHFUL + padding))
    assert [v.kind for v in long.violations] == ["length"]
    assert "润色稿太长" in rejection_message(long)


async def test_a_slow_server_hits_the_time_limit(fake: FakeLlm) -> None:
    polished = await polish(fake, Reply.completion(FAITHFUL, delay=30), timeout=0.5)
    assert polished.text is None and polished.violations == []
    assert polished.error == "模型在0.5秒内没有答复，这次没有润色。可以稍后再试，或保留、改写本节。"


async def test_a_server_error_is_reported(fake: FakeLlm) -> None:
    polished = await polish(fake, Reply.error(500))
    assert polished.error == "模型服务出错（HTTP 500），这次没有润色，请稍后再试。"
    assert rejection_message(polished) == polished.error
    assert len(fake.requests) == 1  # no retries behind the user's back


@pytest.mark.parametrize(
    "reply",
    [
        Reply.garbage(),
        Reply.garbage(b'{"unexpected": true}', "application/json"),
        Reply.garbage(b'{"choices": []}', "application/json"),
        Reply.garbage(b"{not json", "application/json"),
    ],
)
async def test_a_garbage_body_is_reported(fake: FakeLlm, reply: Reply) -> None:
    polished = await polish(fake, reply)
    assert polished.text is None
    assert polished.error == "模型的答复格式不对，无法使用，这次没有润色。请稍后再试。"


async def test_an_empty_reply_is_reported(fake: FakeLlm) -> None:
    polished = await polish(fake, Reply.completion("```\n```"))
    assert polished.error == "模型没有给出正文，这次没有润色。请稍后再试。"


async def test_a_refused_key_and_an_unknown_model_are_reported(fake: FakeLlm) -> None:
    assert (
        await polish(fake, Reply.error(401))
    ).error == "模型服务拒绝了请求（密钥无效或没有权限），请管理员检查模型设置。"
    assert (
        await polish(fake, Reply.error(404))
    ).error == "模型服务找不到模型“qwen-test”或接口地址不对，请管理员检查模型设置。"


async def test_no_server_is_a_connection_error() -> None:
    with fake_llm_server() as gone:
        llm = gone.settings(api_key=KEY)
    polished = await polish_section(llm, HEADING, ANSWERS, GENERATED)
    assert (
        polished.error
        == f"连接不上模型服务（{llm.host}），这次没有润色。请稍后再试，或请管理员检查模型服务。"
    )


async def test_an_empty_section_is_not_sent(fake: FakeLlm) -> None:
    polished = await polish_section(fake.settings(), HEADING, ANSWERS, "  ")
    assert polished.error == "本节还没有正文，无需润色。" and fake.requests == []


async def test_the_key_never_appears_in_logs_even_at_debug(
    fake: FakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for logger in ("openai", "httpx", "httpcore", "bot"):
        caplog.set_level(logging.DEBUG, logger=logger)
    for reply in (
        Reply.completion(FAITHFUL),
        Reply.error(500),
        Reply.garbage(),
        Reply.completion("", delay=30),
    ):
        await polish(fake, reply, timeout=0.5)
    with fake_llm_server() as gone:
        llm = gone.settings(api_key=KEY)
    await polish_section(llm, HEADING, ANSWERS, GENERATED)
    assert any(r.name.startswith("openai") for r in caplog.records)  # the clients did log
    assert KEY not in caplog.text
    assert all(KEY not in repr(r.__dict__) for r in caplog.records)


def test_the_bots_logging_keeps_the_openai_client_quiet() -> None:
    # The client logs whole requests at DEBUG, the section's text with them; run in a process of
    # its own, since install() changes the logging of the whole process.
    probe = "import logging; from bot.cli.logs import install; install([]); "
    probe += "print(logging.getLogger('openai').getEffectiveLevel())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert int(done.stdout) >= logging.WARNING


# Settings


def load(**env: str) -> Settings:
    return Settings.load(env, dotenv=Path("/nonexistent/.env"))


def test_unset_base_url_turns_the_feature_off() -> None:
    assert load().llm is None
    assert load(REPORTBOT_LLM_MODEL="qwen").llm is None


def test_the_settings_are_read_and_the_key_hidden() -> None:
    settings = load(
        REPORTBOT_LLM_BASE_URL="http://10.0.0.5:11434/v1",
        REPORTBOT_LLM_MODEL="qwen2.5:14b",
        REPORTBOT_LLM_API_KEY=KEY,
        REPORTBOT_LLM_TIMEOUT="45",
    )
    assert settings.llm == LlmSettings("http://10.0.0.5:11434/v1", "qwen2.5:14b", KEY, 45.0)
    assert settings.llm.host == "10.0.0.5:11434"
    assert KEY not in repr(settings.llm) and KEY not in repr(settings)
    assert KEY in settings.secrets()
    assert load(REPORTBOT_LLM_BASE_URL="http://h/v1", REPORTBOT_LLM_MODEL="m").llm == LlmSettings(
        "http://h/v1", "m", "", 60.0
    )


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"REPORTBOT_LLM_BASE_URL": "10.0.0.5:8000"}, "http(s) URL"),
        ({"REPORTBOT_LLM_BASE_URL": "http://h/v1"}, "REPORTBOT_LLM_MODEL"),
        (
            {
                "REPORTBOT_LLM_BASE_URL": "http://h/v1",
                "REPORTBOT_LLM_MODEL": "m",
                "REPORTBOT_LLM_TIMEOUT": "0",
            },
            "positive",
        ),
        (
            {
                "REPORTBOT_LLM_BASE_URL": "http://h/v1",
                "REPORTBOT_LLM_MODEL": "m",
                "REPORTBOT_LLM_TIMEOUT": "x",
            },
            "positive",
        ),
    ],
)
def test_malformed_settings_are_refused(env: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load(**env)


def test_env_example_lists_the_settings() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in (
        "REPORTBOT_LLM_BASE_URL",
        "REPORTBOT_LLM_MODEL",
        "REPORTBOT_LLM_API_KEY",
        "REPORTBOT_LLM_TIMEOUT",
    ):
        assert f"\n{name}=" in text


def test_the_client_library_is_imported_only_when_polishing() -> None:
    # openai takes half a second and pydantic to import; a bot without a model never needs it.
    probe = "import sys, bot.service.polish, bot.cli.settings; print('openai' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "False"


def test_a_long_list_of_failed_facts_is_cut_short() -> None:
    violations = [Violation("missing", f"{n}篇", f"润色稿漏掉了“{n}篇”") for n in range(1, 9)]
    message = rejection_message(Polished(None, violations))
    assert message.startswith("模型的润色稿没有采用：润色稿漏掉了“1篇”；")
    assert "“6篇”等8处问题。原文未作改动。" in message and "7篇" not in message
    assert rejection_message(Polished("文字")) == "润色稿通过了事实核对。"
