"""Bot API requests spread over small connection pools: never more at once in a pool than it
has connections, pools made only when needed, every pool closed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest, HTTPXRequest

from bot.cli.settings import Settings
from bot.document.render import Renderer
from bot.service.reports import Reports, Templates
from bot.telegram.client import SENDING_AT_ONCE
from bot.telegram.spread_request import POOL_SIZE, SpreadRequest
from bot.telegram.wiring import build_application
from storage import Store
from tests.support.fakes import TOKEN
from tests.support.interviews import TODAY
from tests.support.paths import TEMPLATES

LIMIT = 10.0


class HeldPool(BaseRequest):
    """A pool whose requests wait until released; notes the most it had at once."""

    def __init__(self, release: asyncio.Event) -> None:
        self.release = release
        self.now = self.most = 0
        self.initialized = self.shut = 0

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        self.initialized += 1

    async def shutdown(self) -> None:
        self.shut += 1

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await self.release.wait()
            return 200, url.encode()
        finally:
            self.now -= 1


def maker(release: asyncio.Event) -> tuple[list[HeldPool], Callable[[], HeldPool]]:
    """The pools made so far, and what makes one."""
    made: list[HeldPool] = []

    def make() -> HeldPool:
        made.append(HeldPool(release))
        return made[-1]

    return made, make


async def test_requests_at_once_are_spread_over_pools_of_two() -> None:
    release = asyncio.Event()
    made, make = maker(release)
    spread = SpreadRequest(make, most=SENDING_AT_ONCE // POOL_SIZE)
    calls = [asyncio.create_task(spread.do_request(f"/m{n}", "POST")) for n in range(SENDING_AT_ONCE)]
    async with asyncio.timeout(LIMIT):
        while sum(p.now for p in made) < SENDING_AT_ONCE:
            await asyncio.sleep(0)
    assert len(made) == SENDING_AT_ONCE // POOL_SIZE
    assert all(p.now == POOL_SIZE for p in made)
    assert all(p.initialized == 1 for p in made[1:])  # the first is initialized with the bot
    release.set()
    results = await asyncio.wait_for(asyncio.gather(*calls), LIMIT)
    assert [body for _, body in results] == [f"/m{n}".encode() for n in range(SENDING_AT_ONCE)]
    await spread.shutdown()
    assert all(p.shut == 1 for p in made)


async def test_a_quiet_bot_keeps_one_pool() -> None:
    release = asyncio.Event()
    release.set()
    made, make = maker(release)
    spread = SpreadRequest(make, most=8)
    for n in range(20):
        await asyncio.wait_for(spread.do_request(f"/m{n}", "POST"), LIMIT)
    assert len(made) == 1


async def test_more_requests_than_connections_queue_in_the_least_busy_pool() -> None:
    release = asyncio.Event()
    made, make = maker(release)
    spread = SpreadRequest(make, most=2)
    calls = [asyncio.create_task(spread.do_request("/m", "POST")) for _ in range(6)]
    async with asyncio.timeout(LIMIT):
        while sum(p.now for p in made) < 6:
            await asyncio.sleep(0)
    assert [p.most for p in made] == [3, 3]
    release.set()
    await asyncio.wait_for(asyncio.gather(*calls), LIMIT)


async def test_the_bot_sends_through_httpx_pools_of_two(tmp_path: Path, templates: Templates) -> None:
    settings = Settings.load(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "REPORTBOT_PAGE_PREVIEW": "off"}, dotenv=tmp_path / "none"
    )
    reports = Reports(Store.open(tmp_path / "tg.db"), templates, lambda: TODAY)
    try:
        app = build_application(settings, reports, Renderer.create(TEMPLATES))
        request = app.bot.request
        assert isinstance(request, SpreadRequest)
        [pool] = request.pools
        assert isinstance(pool, HTTPXRequest)
        assert pool._client._transport._pool._max_connections == POOL_SIZE  # type: ignore[attr-defined]
    finally:
        reports.close()
