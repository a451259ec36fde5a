"""BotRequest: python-telegram-bot's request class whose connections keep their socket, so that
asking whether an idle connection was closed stays cheap — and still right."""

from __future__ import annotations

import asyncio
import socket

from bot.telegram.client import BotRequest, _readable


def test_a_socket_is_readable_once_data_or_its_end_arrived() -> None:
    ours, theirs = socket.socketpair()
    try:
        assert not _readable(ours)
        theirs.sendall(b"x")
        assert _readable(ours)
        ours.recv(1)
        assert not _readable(ours)
        theirs.close()
        assert _readable(ours)  # the end: the connection is not to be used again
    finally:
        ours.close()
    assert _readable(None)


class ClosingServer:
    """An HTTP/1.1 server that answers each connection's first request and then closes it."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one request with a Bot API result, then close the connection."""
        self.connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        await reader.readexactly(length)
        body = b'{"ok":true,"result":true}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        writer.write(body)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        self.closed.set()


async def test_a_connection_the_server_closed_is_not_used_again() -> None:
    server = ClosingServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    request = BotRequest(connection_pool_size=4)
    await request.initialize()
    try:
        for _ in range(3):
            server.closed.clear()
            assert await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe") is True
            await server.closed.wait()
        # Each request found its idle connection closed (readable: its end) and opened another.
        assert server.connections == 3
    finally:
        await request.shutdown()
        listening.close()
        await listening.wait_closed()


async def test_the_connections_keep_their_socket() -> None:
    request = BotRequest()
    await request.initialize()
    try:
        pool = request._client._transport._pool  # type: ignore[attr-defined]
        assert type(pool._network_backend).__name__ == "_Backend"
    finally:
        await request.shutdown()
