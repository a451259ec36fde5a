"""The TLS context for the Bot API connections, made in a thread while the bot's modules load.

Loading the CA bundle takes about 20 ms, most of it in OpenSSL with the interpreter's lock
released, so made beside the imports and set-up that follow it, the start waits for little of
it (BENCHMARKS.md, "Start-up"). It is made as httpx makes its default one: certifi's bundle,
or SSL_CERT_FILE / SSL_CERT_DIR.
"""

from __future__ import annotations

import ssl
from concurrent.futures import Future, ThreadPoolExecutor

import httpx


def tls_context_soon() -> Future[ssl.SSLContext]:
    """Start making the context; ``result()`` waits for it (and raises what making it raised)."""
    maker = ThreadPoolExecutor(1, thread_name_prefix="reportbot-tls")
    context = maker.submit(httpx.create_ssl_context)
    maker.shutdown(wait=False)  # its thread ends once the context is made
    return context
