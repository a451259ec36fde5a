"""Settings from the environment and an optional ``.env`` file."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.docx_writer import Fonts

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "reportbot.db"
DEFAULT_TEMPLATES = PROJECT_ROOT / "templates"
DEFAULT_OUTPUT = PROJECT_ROOT / "data" / "reports"
DEFAULT_TZ = "Asia/Shanghai"


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


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how the bot runs."""

    db_path: Path
    templates_dir: Path
    timezone: str
    telegram_token: str
    output_dir: Path = DEFAULT_OUTPUT
    fonts: Fonts = field(default_factory=Fonts)

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
        )

    def today(self) -> dt.date:
        """Today's date where the users are."""
        return dt.datetime.now(self.zone()).date()

    def zone(self) -> dt.tzinfo:
        """The users' time zone (UTC+8 when the zone database lacks it)."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return dt.timezone(dt.timedelta(hours=8))
