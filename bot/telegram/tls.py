"""The TLS context for the Bot API connections, made in a thread while the bot's modules load.

Loading the CA bundle takes about 20 ms, most of it in OpenSSL with the interpreter's lock
released, so made beside the imports and set-up that follow it, the start waits for little of
it (BENCHMARKS.md, "Start-up"). It is made as httpx makes its default one: certifi's bundle,
or SSL_CERT_FILE / SSL_CERT_DIR.
"""

from __future__ import annotations

import ssl
import threading

import httpx


class TlsContext:
    """A TLS context being made; :meth:`get` waits for it (and raises what making it raised)."""

    def __init__(self) -> None:
        self._context: ssl.SSLContext | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._make, name="reportbot-tls", daemon=True)
        self._thread.start()

    def _make(self) -> None:
        try:
            self._context = httpx.create_ssl_context()
        except BaseException as exc:  # raised to the caller of get()
            self._error = exc

    def get(self) -> ssl.SSLContext:
        """The context, once made."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._context is not None
        return self._context
