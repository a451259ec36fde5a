"""The ``reportbot`` command line: a thin argparse layer over the library."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.live_files import live_file
from bot.cli.parser import build_parser
from bot.cli.settings import Settings, SettingsError

# Each command imports what it uses inside its function: a process runs one command, and
# importing every command's needs (Telegram, SQLite, python-docx, Jinja2) cost more than the
# work of `render` itself (BENCHMARKS.md, "Start-up").
if TYPE_CHECKING:
    from bot.document.render import Renderer
    from bot.interview.definition import ReportType
    from bot.interview.engine import Interview
    from bot.service.reports import Reports, Templates
    from storage import Store


class CommandError(Exception):
    """A command cannot do what was asked; the message says why and what to do instead."""


def _quiet_httpx() -> None:
    """httpx logs every request URL at INFO, and Telegram's URLs contain the bot token."""
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)


def _settings() -> Settings:
    try:
        return Settings.load()
    except SettingsError as exc:
        raise CommandError(str(exc)) from None


def _templates(settings: Settings) -> Templates:
    from bot.disk_cache import DiskCache
    from bot.interview.definition_file import DefinitionError
    from bot.interview.messages import MessagesError
    from bot.service.templates_cache import load_templates

    try:
        return load_templates(
            settings.templates_dir, DiskCache(settings.cache_dir) if settings.cache_dir else None
        )
    except (DefinitionError, MessagesError) as exc:
        raise CommandError(f"report definitions are broken: {exc}") from None


def _open_store(path: Path) -> Store:
    """The live database, or one line saying why it cannot be used and what to do."""
    from storage import Store
    from storage.schema import DatabaseUnavailable

    try:
        return Store.open(path)
    except DatabaseUnavailable as exc:
        raise CommandError(
            f"{exc}; REPORTBOT_DB must name a file in a folder this user can create and write: "
            "fix that folder or set REPORTBOT_DB to another path"
        ) from None


def _reports(settings: Settings) -> Reports:
    from bot.service.reports import Reports

    return Reports(_open_store(settings.db_path), _templates(settings), settings.today, settings.limits)


def _renderer(settings: Settings) -> Renderer:
    from bot.document.render import Renderer

    return Renderer.create(settings.templates_dir, settings.fonts, settings.sealed, settings.cache_dir)


def _owner(user: str | None) -> str:
    """Console users live in their own id space, apart from Telegram user ids."""
    name = user or getpass.getuser() or "console"
    return f"console:{name}"


def start(user: str | None) -> None:
    """Start the Telegram bot if TELEGRAM_BOT_TOKEN is set, otherwise the console chat."""
    settings = _settings()
    if settings.telegram_token:
        _run_bot(settings)
    else:
        _chat(settings, user)


def run() -> None:
    """Run the Telegram bot (long polling, or a webhook when WEBHOOK_URL is set)."""
    _run_bot(_settings())


def _run_bot(settings: Settings) -> None:
    from telegram.error import InvalidToken

    from bot.telegram.tls import tls_context_soon

    tls = tls_context_soon()  # loads the CA bundle while the rest of the bot loads
    from bot.cli import logs
    from bot.telegram.wiring import run as run_bot

    _quiet_httpx()
    # First of all: from here on no log line, traceback included, may show the token.
    logs.install(settings.secrets())
    try:
        settings.check_token()
        settings.check_webhook()
    except SettingsError as exc:
        raise CommandError(str(exc)) from None
    reports = _reports(settings)
    try:
        run_bot(settings, reports, _renderer(settings), tls)
    except InvalidToken as exc:
        answer = logs.redact(str(exc), settings.secrets())
        raise CommandError(
            f"the Bot API rejected TELEGRAM_BOT_TOKEN (it answered: {answer}); check the token "
            "@BotFather gave and TELEGRAM_BASE_URL (default https://api.telegram.org/bot)"
        ) from None
    finally:
        reports.close()


def chat(user: str | None) -> None:
    """The interview in the terminal (works with piped stdin)."""
    _chat(_settings(), user)


def _chat(settings: Settings, user: str | None) -> None:
    from bot.console import ConsoleChat

    _quiet_httpx()  # the console's /polish talks to a model server over httpx

    reports = _reports(settings)
    try:
        renderer = _renderer(settings)
        session = ConsoleChat(
            reports,
            _owner(user),
            sys.stdin,
            sys.stdout,
            settings.zone(),
            renderer,
            settings.output_dir,
            settings.pages if settings.pages.enabled else None,
            settings.llm,
        )
        sys.exit(session.run())
    except KeyboardInterrupt:
        print("\n" + reports.templates.messages.text("console.saved"))
    finally:
        reports.close()


def _types(settings: Settings) -> dict[str, ReportType]:
    """The report types alone: listing or describing them needs neither messages nor the service."""
    from bot.interview.definition_file import DefinitionError, load_report_types

    try:
        return load_report_types(settings.templates_dir)
    except DefinitionError as exc:
        raise CommandError(f"report definitions are broken: {exc}") from None


def types() -> None:
    """List the report types with their Chinese names."""
    for type_id, definition in _types(_settings()).items():
        print(f"{type_id}\t{definition.name}")


def schema(type_id: str) -> None:
    """Print a report type's definition as JSON."""
    from bot.interview.definition import describe

    loaded = _types(_settings())
    if type_id not in loaded:
        raise CommandError(f"unknown report type '{type_id}'; known types: {', '.join(loaded)}")
    print(json.dumps(describe(loaded[type_id]), ensure_ascii=False, indent=2))


def drafts(user: str | None) -> None:
    """List a user's unfinished reports."""
    settings = _settings()
    reports = _reports(settings)
    try:
        infos = reports.drafts(_owner(user), settings.zone())
        messages = reports.templates.messages
        if not infos:
            print(messages.text("console.no_drafts"))
        for info in infos:
            print(
                f"{info.id}\t{info.type_name}\t{info.period}\t"
                f"{info.answered}/{info.total}\t{info.updated:%Y-%m-%d %H:%M}"
            )
    finally:
        reports.close()


def render(answers_file: Path, output: Path | None) -> None:
    """Render ANSWERS_FILE ({"type": TYPE, "answers": {...}}) as a DOCX."""
    settings = _settings()
    interview, answers = _answers(settings, answers_file, complete=True)
    renderer = _renderer(settings)
    document = renderer.compose(interview.definition, answers)
    print(renderer.write(document, output, settings.output_dir))


def lint_command(answers_file: Path) -> None:
    """Compose ANSWERS_FILE (complete or not) and list what to look at before sending it: repeated
    clauses, long enumerations and paragraphs, facts still to fill in, length. Exits 1 on findings."""
    from bot.document.compose import Composer
    from bot.document.lint import describe as describe_findings
    from bot.document.lint import lint

    settings = _settings()
    interview, answers = _answers(settings, answers_file, complete=False)
    document = Composer(settings.templates_dir).compose(interview.definition, answers)
    findings = lint(document, interview.definition)
    if not findings:
        print(interview.messages.text("lint.none"))
        return
    print(describe_findings(findings, interview.definition, interview.messages))
    sys.exit(1)


def _answers(settings: Settings, answers_file: Path, *, complete: bool) -> tuple[Interview, dict[str, Any]]:
    """The interview and the answers of an answers file, checked (for completeness too if asked)."""
    if not answers_file.is_file():
        raise CommandError(f"{answers_file}: no such file")
    from bot.document.render import AnswersFileError, answer_problems, read_answers_file

    try:
        type_id, answers = read_answers_file(answers_file)
    except AnswersFileError as exc:
        raise CommandError(str(exc)) from None
    interview = _interview(settings.templates_dir, type_id)
    problems = answer_problems(interview, answers, complete=complete)
    if problems:
        raise CommandError("invalid answers:\n  " + "\n  ".join(problems))
    return interview, answers


def _interview(root: Path, type_id: str) -> Interview:
    """The interview of one report type, loading only that type's definition (not all of them)."""
    from bot.interview.definition_file import DefinitionError, load_definition, report_folders
    from bot.interview.engine import Interview
    from bot.interview.messages import Messages, MessagesError

    try:
        folders = {folder.name: folder for folder in report_folders(root)}
        if type_id not in folders:
            known = ", ".join(folders)
            raise CommandError(f"unknown report type '{type_id}'; known types: {known}")
        return Interview(load_definition(folders[type_id]), Messages.load(root))
    except (OSError, DefinitionError, MessagesError) as exc:
        raise CommandError(f"report definitions are broken: {exc}") from None


def export(report_id: int, output: Path | None, pdf: bool, pages_dir: Path | None, user: str | None) -> None:
    """Write a stored report (a draft shows 【待填写】 marks) as a DOCX, maybe a PDF and page pictures."""
    from storage import ReportNotFound

    settings = _settings()
    reports = _reports(settings)
    try:
        renderer = _renderer(settings)
        document = reports.document(_owner(user), report_id, renderer.composer)
    except ReportNotFound:
        raise CommandError(f"no report {report_id} for this user") from None
    finally:
        reports.close()
    path = renderer.write(document, output, settings.output_dir)
    print(path)
    if pdf or pages_dir is not None:
        _export_pages(settings, path, path.with_suffix(".pdf") if pdf else None, pages_dir)


def _export_pages(settings: Settings, docx: Path, pdf: Path | None, pages_dir: Path | None) -> None:
    """Write the PDF and page pictures of ``docx``; a conversion that fails exits non-zero."""
    from bot.document.pages import ConversionFailed, write_pages

    try:
        written = write_pages(settings.pages, docx, pdf, pages_dir)
    except ConversionFailed as exc:
        raise CommandError(f"PDF/page pictures not made ({exc}); the DOCX was written") from None
    if written.pdf is not None:
        print(written.pdf)
    for picture in written.pictures:
        print(picture)
    if written.substitute_fonts:
        print("note: report fonts missing (fc-list); the PDF and pictures use substitutes", file=sys.stderr)


def backup(path: Path) -> None:
    """Copy the live database to PATH consistently, even while the bot runs."""
    from storage import Store
    from storage.schema import DatabaseUnavailable, describe_os_error

    settings = _settings()
    live = live_file(path, settings.db_path)
    if live is not None:
        raise CommandError(
            f"{path} is the live database's file {live}; a backup there would destroy it. "
            "Choose a path outside the database's files"
        )
    store = _open_store(settings.db_path)
    try:
        store.backup(path)
        copy = Store.open(path)
        try:
            problem = copy.integrity()
        finally:
            copy.close()
    except (OSError, DatabaseUnavailable) as exc:
        reason = exc.reason if isinstance(exc, DatabaseUnavailable) else describe_os_error(exc)
        raise CommandError(f"cannot write the backup at {path}: {reason}") from None
    finally:
        store.close()
    if problem != "ok":
        raise CommandError(f"the backup at {path} failed its integrity check: {problem}")
    print(path)


def templates_check(directory: Path | None) -> None:
    """Validate every report definition and the message catalogue; fail on the first problem."""
    from bot.interview.definition_file import DefinitionError, load_definition, report_folders
    from bot.interview.messages import Messages, MessagesError

    root = directory or _settings().templates_dir
    if not root.is_dir():
        raise CommandError(f"{root}: not a folder")
    try:
        Messages.load(root)
        folders = report_folders(root)
        if not folders:
            raise DefinitionError(f"{root}: no report definitions found")
        for folder in folders:
            definition = load_definition(folder)
            print(f"ok  {definition.id}: {len(definition.questions)} questions")
    except (DefinitionError, MessagesError) as exc:
        raise CommandError(str(exc)) from None
    print(f"{len(folders)} report definitions are valid.")


def main(argv: list[str] | None = None) -> None:
    """reportbot: 意识形态工作责任制落实情况报告助手."""
    commands: dict[str, Callable[..., None]] = {
        "start": start,
        "run": run,
        "chat": chat,
        "types": types,
        "schema": schema,
        "drafts": drafts,
        "render": render,
        "lint": lint_command,
        "export": export,
        "backup": backup,
        "templates check": templates_check,
    }
    arguments = vars(build_parser(commands).parse_args(argv))
    command = arguments.pop("run")
    for name in ("command", "templates_command"):
        arguments.pop(name, None)
    try:
        command(**arguments)
    except CommandError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
