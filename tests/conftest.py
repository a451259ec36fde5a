"""Fixtures: the shipped templates, a fresh database, small definitions, a started bot.

Everything a test imports lives in tests/support; this file holds fixtures only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.document.render import Renderer
from bot.interview.definition import ReportType
from bot.interview.definition_file import parse_definition
from bot.interview.engine import Interview
from bot.interview.messages import Messages
from bot.service.reports import Reports, Templates
from bot.service.sections import SectionDrafts
from storage import Store
from tests.support.bot_process import TOKEN
from tests.support.emulator import Emulator
from tests.support.interviews import MINI_TOML, TODAY, Driver
from tests.support.paths import TEMPLATES
from tests.support.telegram_app import Bot, make_bot


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
def templates() -> Templates:
    """The shipped report types."""
    return Templates.load(TEMPLATES)


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
def reports(store: Store, templates: Templates) -> Reports:
    """The application service over a fresh database, with 'today' fixed."""
    return Reports(store, templates, lambda: TODAY)


@pytest.fixture
def renderer() -> Renderer:
    """The renderer over the shipped templates."""
    return Renderer.create(TEMPLATES)


@pytest.fixture
def drafts(reports: Reports, renderer: Renderer) -> SectionDrafts:
    """Section texts over the fresh database's reports."""
    return SectionDrafts(reports, lambda: renderer.composer)


@pytest.fixture
def driver(interview: Interview) -> Driver:
    """A driver over the small definition."""
    return Driver(interview)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the CLI in a subprocess against a temporary database."""
    env = dict(os.environ)
    env["REPORTBOT_DB"] = str(tmp_path / "cli.db")
    env["REPORTBOT_OUTPUT"] = str(tmp_path / "out")
    env["REPORTBOT_PAGE_PREVIEW"] = "off"  # a LibreOffice run per report: only its tests turn it on
    env["REPORTBOT_CACHE"] = str(tmp_path / "cache")  # never the user's ~/.cache
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


@pytest.fixture
async def bot(tmp_path: Path, templates: Templates) -> AsyncIterator[Bot]:
    """A started Telegram application, shut down after the test."""
    b = await make_bot(tmp_path, templates)
    yield b
    await b.close()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A local Bot API emulator, stopped after the test."""
    emu = Emulator(TOKEN).start()
    yield emu
    emu.stop()
