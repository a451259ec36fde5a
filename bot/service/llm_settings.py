"""The language-model setting, a module of its own so reading the settings does not import openai."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_LLM_TIMEOUT = 60.0


@dataclass(frozen=True)
class LlmSettings:
    """Where the polishing model is (an OpenAI-compatible chat-completions server) and how long to wait.

    ``api_key`` is kept out of ``repr`` so a settings object in a log or traceback never shows it.
    """

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = DEFAULT_LLM_TIMEOUT

    @property
    def host(self) -> str:
        """The host (and port) the section text is sent to, for telling the user."""
        return urlsplit(self.base_url).netloc or self.base_url

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> LlmSettings | None:
        """``REPORTBOT_LLM_*`` from ``env``; None (the feature off) when the base URL is unset.

        Raises ``ValueError`` (the settings turn it into a ``SettingsError``) for a URL that is
        not http(s), a missing model name or a time limit that is not a positive number.
        """
        base_url = (env.get("REPORTBOT_LLM_BASE_URL") or "").strip()
        if not base_url:
            return None
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "REPORTBOT_LLM_BASE_URL must be an http(s) URL such as http://127.0.0.1:8000/v1, "
                f"not {base_url!r}"
            )
        model = (env.get("REPORTBOT_LLM_MODEL") or "").strip()
        if not model:
            raise ValueError(
                "REPORTBOT_LLM_BASE_URL is set but REPORTBOT_LLM_MODEL is not: name the model to use"
            )
        raw = (env.get("REPORTBOT_LLM_TIMEOUT") or "").strip()
        try:
            timeout = float(raw) if raw else DEFAULT_LLM_TIMEOUT
        except ValueError:
            timeout = -1.0
        if not 0 < timeout < float("inf"):
            raise ValueError(f"REPORTBOT_LLM_TIMEOUT must be a positive number of seconds, not {raw!r}")
        return cls(base_url, model, (env.get("REPORTBOT_LLM_API_KEY") or "").strip(), timeout)
