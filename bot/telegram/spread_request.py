"""Bot API requests spread over small connection pools instead of one large one.

httpcore (under httpx) looks at every connection of a pool each time a request starts or
ends: a system call or two for each idle connection, and for each one a count of all the idle
ones, so the cost grows with the square of the pool's size. Under load the bot keeps as many
connections open as it makes requests at once (16). Pools of two allow as many requests at
once and cost a fraction of that: about a third less CPU per update under load (BENCHMARKS.md,
"End to end").
"""

from __future__ import annotations

from collections.abc import Callable

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

POOL_SIZE = 2  # connections in each pool


class SpreadRequest(BaseRequest):
    """A request goes to the first pool with a free connection; a pool is made when all are
    busy, up to ``most`` (a quiet bot keeps one, with few connections)."""

    def __init__(self, make_pool: Callable[[], BaseRequest], most: int, per_pool: int = POOL_SIZE) -> None:
        self._make_pool = make_pool
        self._most = max(1, most)
        self._per_pool = per_pool
        self.pools = [make_pool()]
        self._in_flight = [0]

    @property
    def read_timeout(self) -> float | None:
        """The pools' default read timeout (they are made alike)."""
        return self.pools[0].read_timeout

    async def initialize(self) -> None:
        """Initialize every pool."""
        for pool in self.pools:
            await pool.initialize()

    async def shutdown(self) -> None:
        """Close every pool's connections."""
        for pool in self.pools:
            await pool.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the request through a pool with a free connection."""
        n = await self._choose()
        self._in_flight[n] += 1
        try:
            return await self.pools[n].do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        finally:
            self._in_flight[n] -= 1

    async def _choose(self) -> int:
        for n, busy in enumerate(self._in_flight):
            if busy < self._per_pool:
                return n
        if len(self.pools) < self._most:
            pool = self._make_pool()
            self.pools.append(pool)
            self._in_flight.append(0)
            n = len(self.pools) - 1
            await pool.initialize()
            return n
        # More requests than connections (the caller allows more at once): the pool's own
        # queue holds it, in the least busy pool.
        return min(range(len(self.pools)), key=self._in_flight.__getitem__)
