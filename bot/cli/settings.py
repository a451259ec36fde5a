"""Settings from the environment and an optional ``.env`` file."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.disk_cache import default_folder
from bot.document.fonts import Fonts
from bot.document.page_settings import PageSettings
from bot.document.signature import seal_setting
from bot.service.limits import Limits
from bot.service.llm_settings import LlmSettings

__all__ = ["LlmSettings", "Settings", "SettingsError", "read_dotenv"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_ROOT / "data" / "reportbot.db"
DEFAULT_TEMPLATES = PROJECT_ROOT / "templates"
DEFAULT_OUTPUT = PROJECT_ROOT / "data" / "reports"
DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_BASE_FILE_URL = "https://api.telegram.org/file/bot"
TOKEN_RE = re.compile(r"^[0-9]{5,16}:[A-Za-z0-9_-]{30,}$")
# Telegram's rule for setWebhook's secret_token.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# The webhook listens for the HTTPS reverse proxy on the same machine, not for the world.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"


class SettingsError(ValueError):
    """A setting is malformed; the message says which and how to fix it."""


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file (comments, blanks and ``export`` allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _user_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdecimal():
            raise SettingsError(f"ALLOWED_USER_IDS must be comma-separated numeric ids, not {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def _seal(raw: str) -> bool | None:
    try:
        return seal_setting(raw)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _switch(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "on").strip().lower()
    if raw not in ("on", "off"):
        raise SettingsError(f"{name} must be on or off, not {raw!r}")
    return raw == "on"


def _webhook_secret(raw: str) -> str:
    if raw and not WEBHOOK_SECRET_RE.match(raw):
        # Never echo the value: it is a secret.
        raise SettingsError(
            "WEBHOOK_SECRET_TOKEN must be 1–256 characters of A-Z a-z 0-9 _ - (Telegram's rule)"
        )
    return raw


def _port(raw: str) -> int:
    if not raw.strip().isdecimal() or not 0 < int(raw) < 65536:
        raise SettingsError(f"WEBHOOK_PORT must be a port number, not {raw!r}")
    return int(raw)


def _llm(env: Mapping[str, str]) -> LlmSettings | None:
    try:
        return LlmSettings.from_settings(env)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _pages(env: Mapping[str, str]) -> PageSettings:
    try:
        return PageSettings.from_settings(env)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how the bot runs."""

    db_path: Path
    templates_dir: Path
    timezone: str
    telegram_token: str
    output_dir: Path = DEFAULT_OUTPUT
    fonts: Fonts = field(default_factory=Fonts)
    sealed: bool | None = None  # REPORTBOT_SEAL; None: each user's profile answer decides
    allowed_user_ids: frozenset[int] = frozenset()
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = DEFAULT_BASE_FILE_URL
    webhook_url: str = ""
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN
    webhook_port: int = 8443
    webhook_secret: str = ""
    limits: Limits = field(default_factory=Limits)
    rate_limiter: bool = True
    pages: PageSettings = field(default_factory=PageSettings)
    llm: LlmSettings | None = None  # REPORTBOT_LLM_*; None: polishing with a model is off
    cache_dir: Path | None = None  # REPORTBOT_CACHE (bot/disk_cache.py); None: no disk cache

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Settings from ``environ`` (default: the process environment) over ``.env``."""
        env = {
            **read_dotenv(dotenv or Path.cwd() / ".env"),
            **(os.environ if environ is None else environ),
        }
        return cls(
            db_path=Path(env.get("REPORTBOT_DB") or DEFAULT_DB),
            templates_dir=Path(env.get("REPORTBOT_TEMPLATES") or DEFAULT_TEMPLATES),
            timezone=env.get("REPORTBOT_TZ") or DEFAULT_TZ,
            telegram_token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip(),
            output_dir=Path(env.get("REPORTBOT_OUTPUT") or DEFAULT_OUTPUT),
            fonts=Fonts.from_settings(env),
            sealed=_seal(env.get("REPORTBOT_SEAL") or ""),
            allowed_user_ids=_user_ids(env.get("ALLOWED_USER_IDS", "")),
            base_url=(env.get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL).strip(),
            base_file_url=(env.get("TELEGRAM_BASE_FILE_URL") or DEFAULT_BASE_FILE_URL).strip(),
            webhook_url=(env.get("WEBHOOK_URL") or "").strip(),
            webhook_listen=(env.get("WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN).strip(),
            webhook_port=_port(env.get("WEBHOOK_PORT") or "8443"),
            webhook_secret=_webhook_secret((env.get("WEBHOOK_SECRET_TOKEN") or "").strip()),
            rate_limiter=_switch(env, "TELEGRAM_RATE_LIMITER"),
            pages=_pages(env),
            llm=_llm(env),
            cache_dir=default_folder(env),
            limits=Limits(
                max_drafts=_positive(env, "REPORTBOT_MAX_DRAFTS", Limits.max_drafts),
                max_report_chars=_positive(env, "REPORTBOT_MAX_REPORT_CHARS", Limits.max_report_chars),
            ),
        )

    def check_token(self) -> None:
        """Refuse a missing or malformed bot token with one clear line (never echoing it)."""
        if not self.telegram_token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set (see .env.example)")
        if not TOKEN_RE.match(self.telegram_token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: expected digits, a colon and the secret, "
                "as @BotFather gives it (e.g. 123456789:AA...)"
            )

    def check_webhook(self) -> None:
        """Refuse a webhook without a secret: anyone reaching the port could post any user's updates."""
        if self.webhook_url and not self.webhook_secret:
            raise SettingsError(
                "WEBHOOK_URL is set but WEBHOOK_SECRET_TOKEN is not: without it anyone who reaches the "
                "port can send updates in any user's name; set WEBHOOK_SECRET_TOKEN to 1–256 "
                "characters of A-Z a-z 0-9 _ -"
            )

    def secrets(self) -> tuple[str, ...]:
        """Values never to reach a log: the token, its secret part, the webhook secret, the model's key."""
        llm_key = self.llm.api_key if self.llm else ""
        return (self.telegram_token, self.telegram_token.partition(":")[2], self.webhook_secret, llm_key)

    def today(self) -> dt.date:
        """Today's date where the users are."""
        return dt.datetime.now(self.zone()).date()

    def zone(self) -> dt.tzinfo:
        """The users' time zone (UTC+8 when the zone database lacks it)."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return dt.timezone(dt.timedelta(hours=8))
