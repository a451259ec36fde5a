"""The test emulator itself: it delivers updates as Telegram does and logs what the bot sends."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from tests.support.bot_process import TOKEN
from tests.support.emulator import Emulator
from tests.support.emulator_calls import Dropped, says


def call(emulator: Emulator, method: str, **params: Any) -> dict[str, Any]:
    """One Bot API request as a bot makes it (JSON body); the decoded answer."""
    host, port = emulator.base_url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        body = json.dumps(params).encode()
        conn.request("POST", f"/bot{TOKEN}/{method}", body, {"Content-Type": "application/json"})
        answer: dict[str, Any] = json.loads(conn.getresponse().read())
        return answer
    finally:
        conn.close()


def ids(answer: dict[str, Any]) -> list[int]:
    return [u["update_id"] for u in answer["result"]]


def test_an_update_is_handed_out_until_a_higher_offset_confirms_it(emulator: Emulator) -> None:
    first, second = emulator.user_sends(1, "a"), emulator.user_sends(1, "b")
    assert ids(call(emulator, "getUpdates", timeout=0)) == [first, second]
    # A bot that died before asking again (a restarted one starts without an offset) gets both again.
    emulator.next_generation()
    assert ids(call(emulator, "getUpdates", timeout=0)) == [first, second]
    assert emulator.redelivered() == [first, second] and emulator.pending() == 2
    # Asking for the next offset confirms what lies below it, and only that.
    assert ids(call(emulator, "getUpdates", offset=second, timeout=0)) == [second]
    assert first in emulator.confirmed and second not in emulator.confirmed
    assert ids(call(emulator, "getUpdates", offset=second + 1, timeout=0)) == []
    assert second in emulator.confirmed and emulator.pending() == 0


def test_get_updates_hands_out_at_most_limit_oldest_first(emulator: Emulator) -> None:
    sent = [emulator.user_sends(1, str(n)) for n in range(3)]
    assert ids(call(emulator, "getUpdates", limit=2, timeout=0)) == sent[:2]
    assert ids(call(emulator, "getUpdates", offset=sent[1] + 1, limit=2, timeout=0)) == sent[2:]


def test_replies_are_logged_per_chat_with_the_process_that_sent_them(emulator: Emulator) -> None:
    emulator.next_generation()
    before = emulator.last_seq(5)
    call(emulator, "sendMessage", chat_id=5, text="第一条")
    emulator.next_generation()
    call(emulator, "sendMessage", chat_id=6, text="别人的")
    call(emulator, "sendMessage", chat_id=5, text="第二条")
    found = emulator.wait_for_call(5, before, says("第二条"), 5)
    assert found is not None and found.generation == 2
    assert [(c.text, c.generation) for c in emulator.calls_to(5, before)] == [("第一条", 1), ("第二条", 2)]
    assert emulator.wait_for_call(5, found.seq, says("第三条"), 0.05) is None


def test_a_dropped_call_is_neither_carried_out_nor_answered(emulator: Emulator) -> None:
    def drop(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage":
            raise Dropped

    emulator.on_call = drop
    with pytest.raises(http.client.HTTPException):
        call(emulator, "sendMessage", chat_id=5, text="lost with the process")
    assert emulator.messages_to(5) == [] and emulator.calls_to(5) == []
