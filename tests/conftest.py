"""Shared fixtures: the shipped catalogue, a fresh database, a fixed 'today', small definitions."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli.settings import DEFAULT_TEMPLATES, Settings
from bot.document.render import Renderer
from bot.interview.definition import Kind, ReportType
from bot.interview.definition_file import parse_definition
from bot.interview.engine import Cursor, Interview, State, Step
from bot.interview.messages import Messages
from bot.service.reports import Catalog, Reports
from bot.telegram.wiring import build_application
from storage import Store
from tests.tg_fakes import TOKEN, Chat, RecordingRequest

TODAY = dt.date(2023, 10, 8)
TEMPLATES = DEFAULT_TEMPLATES
REPO = TEMPLATES.parent
TYPE_IDS = (
    "unit_periodic",
    "leader_personal",
    "party_group_inspection",
    "self_inspection",
    "study_speech",
)

# A small definition that exercises every kind, a condition and a profile field.
MINI_TOML = """
id = "mini"
name = "测试报告"
description = ""

[[sections]]
id = "basic"
title = "基本信息"

[[sections.questions]]
id = "unit_name"
kind = "short_text"
label = "单位名称"
prompt = "单位名称？"
example = "某局"
profile = true
max_length = 20

[[sections.questions]]
id = "year"
kind = "year"
label = "年度"
prompt = "哪一年？"
example = "2023"

[[sections.questions]]
id = "period"
kind = "period"
label = "期间"
prompt = "哪个期间？"

[[sections]]
id = "work"
title = "工作情况"

[[sections.questions]]
id = "meetings"
kind = "integer"
label = "会议次数"
prompt = "开了几次会？"
example = "3"
unit = "次"
max = 100

[[sections.questions]]
id = "has_extra"
kind = "single_choice"
label = "是否有补充"
prompt = "有补充吗？"
options = ["是", "否"]

[[sections.questions]]
id = "extra"
kind = "long_text"
label = "补充说明"
prompt = "请补充。"
example = "无"
when = { question = "has_extra", equals = "是" }

[[sections.questions]]
id = "activities"
kind = "list"
label = "活动"
prompt = "开展了哪些活动？"
example = "开展主题党日"
max_items = 3

[[sections.questions]]
id = "note"
kind = "short_text"
label = "备注"
prompt = "备注？"
example = "无"
optional = true

[[sections]]
id = "end"
title = "结尾"

[[sections.questions]]
id = "problems"
kind = "multi_choice"
label = "存在问题"
prompt = "有哪些问题？"
phrase_bank = ["认识不够", "方法不多", "宣传不足"]

[[sections.questions]]
id = "report_date"
kind = "date"
label = "日期"
prompt = "日期？"
example = "今天"
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--kills N``: how many times the fault-injection test kills the bot (20 in CI; 200 is the
    long run)."""
    parser.addoption(
        "--kills", type=int, default=20, help="SIGKILLs in the fault-injection test (20; long run: 200)"
    )


@pytest.fixture(scope="session")
def messages() -> Messages:
    """The shipped message catalogue."""
    return Messages.load(TEMPLATES)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped report types."""
    return Catalog.load(TEMPLATES)


@pytest.fixture
def mini() -> ReportType:
    """The small test definition."""
    return parse_definition(tomllib.loads(MINI_TOML), "mini")


@pytest.fixture
def interview(mini: ReportType, messages: Messages) -> Interview:
    """An interview over the small definition."""
    return Interview(mini, messages)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh database file."""
    s = Store.open(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def reports(store: Store, catalog: Catalog) -> Reports:
    """The application service over a fresh database, with 'today' fixed."""
    return Reports(store, catalog, lambda: TODAY)


class Driver:
    """Applies engine steps to an in-memory state, as a front end with storage would."""

    def __init__(self, interview: Interview, suggestions: dict[str, object] | None = None) -> None:
        self.interview = interview
        self.answers: dict[str, object] = {}
        first = interview.start({}, {})
        self.cursor: Cursor = first.cursor
        self.suggestions = suggestions or {}
        self.last: Step = first

    @property
    def state(self) -> State:
        return State(dict(self.answers), self.cursor, self.suggestions)  # type: ignore[arg-type]

    def apply(self, step: Step) -> Step:
        self.answers.update(step.changes)
        self.cursor = step.cursor
        self.last = step
        return step

    def do(self, operation: str, *args: object) -> Step:
        method: Callable[..., Step] = getattr(self.interview, operation)
        if operation == "answer":
            return self.apply(method(self.state, *args, TODAY))
        return self.apply(method(self.state, *args))

    def say(self, text: str) -> Step:
        return self.do("answer", text)

    @property
    def at(self) -> str | None:
        return self.cursor.question


@pytest.fixture
def driver(interview: Interview) -> Driver:
    """A driver over the small definition."""
    return Driver(interview)


def sample_input(kind: Kind, example: str) -> list[str]:
    """Lines a user could send to answer a question of ``kind`` fully."""
    return {
        Kind.SHORT_TEXT: [example or "示例"],
        Kind.LONG_TEXT: [example or "示例内容。"],
        Kind.INTEGER: ["3"],
        Kind.SINGLE_CHOICE: ["1"],
        Kind.MULTI_CHOICE: ["1 2", "完成"],
        Kind.LIST: [example or "示例", "完成"],
        Kind.DATE: ["2023年10月8日"],
        Kind.YEAR: ["2023"],
        Kind.PERIOD: ["3"],
        Kind.DETAILS: ["1 示例补充的具体情况", "完成"],
    }[kind]


def _play(interview: Interview) -> Driver:
    drv = Driver(interview)
    lines: list[str] = []
    number = 2
    while drv.at is not None:
        question = interview.definition.question(drv.at)
        inputs = sample_input(question.kind, question.example)
        if question.kind is Kind.INTEGER:
            inputs, number = [str(number)], number + 1  # distinct figures, to find them in the text
        for line in inputs:
            lines.append(line)
            step = drv.say(line)
            assert not step.rejected, (question.id, line, step.notice)
    drv.lines = lines  # type: ignore[attr-defined]
    return drv


def full_script(interview: Interview) -> list[str]:
    """The lines that answer every question of a report type in order, found by running it."""
    return list(_play(interview).lines)  # type: ignore[attr-defined]


def complete_answers(interview: Interview) -> dict[str, object]:
    """A complete answer set for a report type, as the interview stores it."""
    return dict(_play(interview).answers)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the CLI in a subprocess against a temporary database."""
    env = dict(os.environ)
    env["REPORTBOT_DB"] = str(tmp_path / "cli.db")
    env["REPORTBOT_OUTPUT"] = str(tmp_path / "out")
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


class Bot:
    """The Telegram application under test with its recorder and service."""

    def __init__(self, app: Any, request: RecordingRequest, reports: Reports) -> None:
        self.app, self.request, self.reports = app, request, reports

    def chat(self, user_id: int, chat_type: str = "private") -> Chat:
        return Chat(self.app, self.request, user_id, chat_type)

    async def close(self) -> None:
        """Shut the application down and close its database (as a stopped process leaves them)."""
        await self.app.shutdown()
        self.reports.store.close()


async def make_bot(
    tmp_path: Path, catalog: Catalog, request: RecordingRequest | None = None, **env: str
) -> Bot:
    """The real Application over a fresh database, its Bot API calls answered by ``request``."""
    settings = Settings.load({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, dotenv=tmp_path / "none")
    reports = Reports(Store.open(tmp_path / "tg.db"), catalog, lambda: TODAY)
    request = request or RecordingRequest()
    app = build_application(settings, reports, Renderer.create(TEMPLATES), request=request)
    await app.initialize()
    return Bot(app, request, reports)


@pytest.fixture
async def bot(tmp_path: Path, catalog: Catalog) -> AsyncIterator[Bot]:
    """A started Telegram application, shut down after the test."""
    b = await make_bot(tmp_path, catalog)
    yield b
    await b.close()


def run_cli(
    env: dict[str, str], *args: str, stdin: str = "", prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``reportbot ARGS`` as a process (``prefix``: a command to run it under), its output as text."""
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def committed_answers(path: Path, owner: str) -> dict[str, str]:
    """An owner's answers as stored JSON, as another connection (or the disk after a crash) sees them."""
    with sqlite3.connect(path) as other:
        rows = other.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN reports r ON r.id = a.report_id "
            "WHERE r.owner = ?",
            [owner],
        ).fetchall()
    return dict(rows)
