"""The arguments of each ``reportbot`` command (what the commands do is in ``bot.cli.main``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def build_parser(commands: Mapping[str, Callable[..., None]]) -> argparse.ArgumentParser:
    """The parser of every command; each sets ``run`` to its function in ``commands``."""
    parser = argparse.ArgumentParser(
        prog="reportbot", description="reportbot: 意识形态工作责任制落实情况报告助手."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, parent: Any = subparsers) -> argparse.ArgumentParser:
        run = commands[name]
        doc = " ".join((run.__doc__ or "").split())
        sub: argparse.ArgumentParser = parent.add_parser(name.split()[-1], help=doc, description=doc)
        sub.set_defaults(run=run)
        return sub

    def user_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--user", help="Console user name (default: your login name).")

    def output_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "-o",
            "--output",
            type=Path,
            help="Where to write the DOCX (default: the output folder, named by the title).",
        )

    user_option(command("start"))
    command("run")
    user_option(command("chat"))
    command("types")
    command("schema").add_argument("type_id", metavar="TYPE_ID")
    user_option(command("drafts"))
    sub = command("render")
    sub.add_argument("answers_file", metavar="ANSWERS_FILE", type=Path)
    output_option(sub)
    command("lint").add_argument("answers_file", metavar="ANSWERS_FILE", type=Path)
    sub = command("export")
    sub.add_argument("report_id", metavar="REPORT_ID", type=int)
    output_option(sub)
    sub.add_argument("--pdf", action="store_true", help="Also write a PDF beside the DOCX (LibreOffice).")
    sub.add_argument(
        "--pages",
        dest="pages_dir",
        type=Path,
        help="Also write pictures of the first pages (JPEG) into this folder.",
    )
    user_option(sub)
    command("backup").add_argument("path", metavar="PATH", type=Path)
    group = subparsers.add_parser("templates", help="Report definitions in templates/.")
    checks = group.add_subparsers(dest="templates_command", metavar="COMMAND", required=True)
    command("templates check", checks).add_argument(
        "--dir", dest="directory", type=Path, help="Templates folder to check (default: the configured one)."
    )
    return parser
