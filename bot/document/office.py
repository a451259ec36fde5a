"""LibreOffice kept running for a conversion slot, driven over UNO by ``uno_worker.py``.

A new ``soffice`` per conversion spends about a second of CPU starting; a running one converts a
report in under a tenth of that (BENCHMARKS.md, "Page preview"). LibreOffice's ``uno`` module
lives in the system's Python (Debian's python3-uno), not in the bot's, so a small worker script
run by that Python holds the connection; the bot talks to it over its stdin and stdout. Without
that Python the caller starts soffice per conversion instead (bot/document/pages.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path

WORKER = Path(__file__).with_name("uno_worker.py")
STOP_SECONDS = 10.0  # for LibreOffice to exit when asked, before its process group is killed


class ConversionFailed(Exception):
    """A conversion did not finish; ``reason`` is ``missing``, ``timeout`` or ``failed``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def uno_python(python: str) -> str | None:
    """``python`` when it can import LibreOffice's uno module, else None (blocking: it runs it)."""
    if not python or python.lower() == "none":
        return None
    try:
        found = subprocess.run(
            [python, "-I", "-c", "import uno"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return python if found.returncode == 0 else None


class Office:
    """One slot's LibreOffice: started on first use, kept between conversions, stopped when idle."""

    def __init__(self, soffice: str, profile: Path, env: dict[str, str], prefix: tuple[str, ...]) -> None:
        self.soffice, self.profile = soffice, profile
        self.env, self.prefix = env, prefix  # the environment (fonts) and the background command
        self._process: asyncio.subprocess.Process | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._stopping: set[asyncio.Task[None]] = set()

    @property
    def pid(self) -> int | None:
        """The worker's process id, which is also its and its LibreOffice's process group (None: stopped)."""
        return self._process.pid if self._process is not None else None

    async def to_pdf(self, python: str, docx: Path, pdf: Path, timeout: float) -> None:
        """Write the PDF of ``docx`` within ``timeout`` seconds (a first use includes the start).

        ``python`` is the interpreter with LibreOffice's uno module, which runs the worker.
        """
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        started = self._process is not None
        try:
            await self._request(python, docx, pdf, timeout)
        except ConversionFailed as exc:
            if not (started and exc.reason == "failed" and self._process is None):
                raise
            # LibreOffice had stopped since the last conversion (it crashed, or was killed):
            # start it again, once, rather than leave this user without pictures.
            await self._request(python, docx, pdf, timeout)

    async def _request(self, python: str, docx: Path, pdf: Path, timeout: float) -> None:
        process = self._process or await self._start(python)
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps({"docx": str(docx), "pdf": str(pdf)}).encode() + b"\n")
            await process.stdin.drain()
            line = await asyncio.wait_for(process.stdout.readline(), timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            await self.stop(kill=True)
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise ConversionFailed("timeout", f"LibreOffice ran over {timeout} s") from exc
        except (BrokenPipeError, ConnectionResetError):
            line = b""
        try:
            reply = json.loads(line) if line else {}
        except ValueError:
            reply = {}
        if not reply.get("ok"):
            if not line or reply.get("stopped"):  # the worker is gone or on its way out
                await self.stop(kill=True)
            detail = str(reply.get("error") or "") or self._log_tail() or "the LibreOffice worker stopped"
            raise ConversionFailed("failed", detail)

    def rest(self, seconds: float) -> None:
        """Stop this LibreOffice if it is not used again within ``seconds`` (its memory back)."""
        if self._process is None:
            return
        loop = asyncio.get_running_loop()

        def stop() -> None:
            task = loop.create_task(self.stop())
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)

        self._idle = loop.call_later(seconds, stop)

    async def stop(self, *, kill: bool = False) -> None:
        """Stop the worker and its LibreOffice: asked to end, or killed with their process group."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        process, self._process = self._process, None
        if process is None:
            await self._stopped()
            return
        if not kill and process.stdin is not None:
            process.stdin.close()  # the worker's end of input: it closes LibreOffice and exits
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
        if process.returncode is None or kill:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        await process.wait()

    async def _stopped(self) -> None:
        """Wait for a stop begun when the slot went unused (other than the calling one)."""
        others = [task for task in self._stopping if task is not asyncio.current_task()]
        await asyncio.gather(*others, return_exceptions=True)

    async def _start(self, python: str) -> asyncio.subprocess.Process:
        # A LibreOffice still exiting holds the profile, and a second one on it would not start.
        await self._stopped()
        self.profile.mkdir(parents=True, exist_ok=True)
        log = self.profile / "soffice.log"
        try:
            with log.open("ab") as errors:
                process = await asyncio.create_subprocess_exec(
                    *self.prefix,
                    python,
                    "-I",
                    str(WORKER),
                    self.soffice,
                    self.profile.joinpath("user").as_uri(),
                    f"reportbot-{os.getpid()}-{id(self):x}",  # a pipe name no other process uses
                    str(log),
                    env=self.env,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=errors,
                    start_new_session=True,  # its own process group, so LibreOffice dies with it
                )
        except OSError as exc:
            raise ConversionFailed("missing", f"{python}: {exc}") from exc
        self._process = process
        return process

    def _log_tail(self) -> str:
        try:
            return (self.profile / "soffice.log").read_text(errors="replace")[-300:].strip()
        except OSError:
            return ""
