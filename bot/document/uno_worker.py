"""One long-running LibreOffice, converting DOCX files to PDF on request (run as a script).

Started by the bot (bot/document/office.py) with the Python that has LibreOffice's ``uno``
module (Debian's python3-uno), not the bot's own interpreter, so it imports nothing of the bot.
Arguments: the soffice program, the profile folder, a pipe name, a log file for soffice.
Requests on stdin, one JSON object a line: ``{"docx": path, "pdf": path}``; one reply a line:
``{"ok": true}`` or ``{"ok": false, "error": "..."}``, with ``"stopped": true`` when the worker
is exiting. A start that fails is reported as the
reply to the first request. End of input stops LibreOffice and the worker.

Starting LibreOffice costs about a second of CPU; a started one converts a report in under a
tenth of that, which is why the bot keeps this process for each of its conversion slots.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]  # only in the Python LibreOffice ships with
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

CONNECT_SECONDS = 60.0  # the bot's own time limit stops a start that hangs sooner


def _property(name: str, value: Any) -> Any:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _reply(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _log_tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-300:].strip()
    except OSError:
        return ""


def _connect(office: subprocess.Popen[bytes], pipe: str, log: Path) -> Any:
    """The Desktop of the soffice just started, once it accepts connections."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:  # NoConnectException until soffice listens
            if office.poll() is not None:
                raise RuntimeError(f"soffice exited {office.returncode}: {_log_tail(log)}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _convert(desktop: Any, docx: str, pdf: str) -> None:
    document = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(docx),
        "_blank",
        0,
        (_property("Hidden", True), _property("ReadOnly", True)),
    )
    if document is None:
        raise RuntimeError("LibreOffice could not open the DOCX")
    try:
        document.storeToURL(uno.systemPathToFileUrl(pdf), (_property("FilterName", "writer_pdf_Export"),))
    finally:
        document.close(True)


def main() -> int:
    """Start soffice, then convert each request until stdin ends."""
    soffice, profile, pipe, log_name = sys.argv[1:5]
    log = Path(log_name)
    with log.open("ab") as log_file:
        office = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
    desktop = None
    try:
        try:
            desktop = _connect(office, pipe, log)
        except Exception as exc:
            sys.stdin.readline()  # the request this start was for
            _reply(ok=False, error=str(exc) or type(exc).__name__, stopped=True)
            return 1
        for line in sys.stdin:
            request = json.loads(line)
            try:
                _convert(desktop, request["docx"], request["pdf"])
            except Exception as exc:
                gone = office.poll() is not None  # LibreOffice itself is gone: so is this worker
                _reply(ok=False, error=f"{type(exc).__name__}: {exc}", stopped=gone)
                if gone:
                    return 1
            else:
                _reply(ok=True)
        return 0
    finally:
        if desktop is not None and office.poll() is None:
            with contextlib.suppress(Exception):
                desktop.terminate()  # LibreOffice's own way out: its child processes go with it
        if office.poll() is None:
            office.terminate()
            try:
                office.wait(10)
            except subprocess.TimeoutExpired:
                office.kill()


if __name__ == "__main__":
    sys.exit(main())
