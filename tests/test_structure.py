"""The layout rules README's "Layout" section states: small modules, imports that point one way."""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import REPO

MAX_LINES = 400
PACKAGES = ("bot", "storage")


def modules(*roots: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``roots``."""
    found: dict[str, Path] = {}
    for root in roots:
        for path in sorted((REPO / root).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path, name: str) -> Iterator[str]:
    """Every module ``path`` imports (relative imports resolved against ``name``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(*roots: str) -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    known = modules(*roots)
    return {
        name: {m for m in imported(path, name) if m in known and m != name} for name, path in known.items()
    }


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(REPO)): n
        for path in modules(*PACKAGES).values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long


def test_no_import_circle() -> None:
    edges = graph(*PACKAGES)
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError(" -> ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        for target in sorted(edges[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(edges):
        visit(name, [])


def test_storage_knows_nothing_of_the_bot_or_telegram() -> None:
    for name, path in modules("storage").items():
        outside = {m for m in imported(path, name) if m.split(".")[0] in ("bot", "telegram")}
        assert not outside, name


def test_the_engine_imports_only_the_interview_and_the_standard_library() -> None:
    # No storage, no Telegram, no clock or file access: a step is a function of its inputs.
    names = set(imported(REPO / "bot" / "interview" / "engine.py", "bot.interview.engine"))
    roots = {m.split(".")[0] for m in names} - {"bot", "__future__"}
    assert roots <= set(sys.stdlib_module_names) - {"sqlite3", "time", "os", "io", "asyncio"}, roots
    assert all(m.startswith("bot.interview") for m in names if m.startswith("bot")), names


def test_support_code_imports_no_test_and_benchmarks_no_test_module() -> None:
    for name, path in modules("tests/support", "benchmarks").items():
        wrong = {m for m in imported(path, name) if m.startswith("tests.test_") or m == "tests.conftest"}
        if name.startswith("tests.support"):
            wrong |= {m for m in imported(path, name) if m.startswith("benchmarks")}
        assert not wrong, name


def test_no_test_imports_another_test_or_conftest() -> None:
    for path in sorted((REPO / "tests").glob("test_*.py")):
        name = f"tests.{path.stem}"
        wrong = {m for m in imported(path, name) if m.startswith("tests.test_") or m == "tests.conftest"}
        assert not wrong, name


def test_httpcore_finds_sniffio() -> None:
    # httpcore imports sniffio each time it makes a lock; when the import fails it carries on,
    # slowly (about 15% of the bot's CPU under load), so the package must be installed.
    assert importlib.util.find_spec("sniffio") is not None
