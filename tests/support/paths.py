"""Where the repository and its shipped templates are."""

from __future__ import annotations

from bot.cli.settings import DEFAULT_TEMPLATES

TEMPLATES = DEFAULT_TEMPLATES
REPO = TEMPLATES.parent
