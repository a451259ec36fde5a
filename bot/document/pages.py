"""A DOCX as a PDF and as pictures of its first pages (LibreOffice headless, then pdftoppm).

Conversions run as asyncio subprocesses, at most ``at_once`` together, so nothing else waits
for them. Each slot keeps its LibreOffice running between conversions, driven over UNO
(bot/document/office.py), and stops it after a while unused; where the system has no Python
with LibreOffice's ``uno`` module, each conversion starts ``soffice --convert-to`` instead. Each
slot has its own LibreOffice profile directory: two soffice processes sharing one profile refuse
to start. A conversion over its time limit is killed with its process group (soffice starts
child processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.document.background import background_command
from bot.document.office import ConversionFailed as ConversionFailed
from bot.document.office import Office, uno_python
from bot.document.page_settings import PageSettings as PageSettings

# The licensed fonts of GB/T 9704; without them LibreOffice draws substitutes.
REPORT_FONTS = ("方正小标宋简体", "仿宋_GB2312", "楷体_GB2312")
# Which free fonts stand in for them (and for 黑体 and 宋体): without it LibreOffice picks any
# font for Chinese text, or none, and the pictures show empty boxes.
FONTS_CONF = Path(__file__).with_name("fonts.conf")
IDLE_SECONDS = 600.0  # a slot's LibreOffice (about 180 MB) is stopped after this long unused


@dataclass(frozen=True)
class Pages:
    """A converted report: the PDF, pictures of its first pages, whether fonts were substituted."""

    pdf: bytes
    pictures: list[bytes] = field(default_factory=list)
    substitute_fonts: bool = False

    @property
    def page_count(self) -> int:
        """Pages in the PDF (LibreOffice writes one ``/Type /Page`` object per page)."""
        return max(len(re.findall(rb"/Type\s*/Page\b", self.pdf)), len(self.pictures))


def fonts_missing(fc_list: str = "fc-list") -> list[str]:
    """The report fonts fontconfig does not know (all of them when fc-list is absent)."""
    path = shutil.which(fc_list)
    if path is None:
        return list(REPORT_FONTS)
    import subprocess  # only here: the rest of the module runs processes through asyncio

    try:
        out = subprocess.run([path, ":", "family"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return list(REPORT_FONTS)
    return [font for font in REPORT_FONTS if font not in out]


class PageMaker:
    """Converts DOCX files, at most ``settings.at_once`` at a time, each slot with its own profile."""

    def __init__(self, settings: PageSettings, profiles: Path | None = None) -> None:
        self.settings = settings
        self._root = profiles  # None: a temporary folder, made on first use, removed by close()
        self._owns_root = profiles is None
        self._slots: asyncio.Queue[Office] | None = None  # made on first use, inside the event loop
        self._offices: list[Office] = []
        self._uno_python: str | None = None  # the Python with uno, found on first use
        self._missing_fonts: list[str] | None = None
        self._env: dict[str, str] = {}  # the conversions' environment, made with the slots
        self._prefix: tuple[str, ...] = ()  # the conversions' command prefix, made with the slots
        self.idle_seconds = IDLE_SECONDS

    async def close(self) -> None:
        """Stop the slots' LibreOffice and remove the profile folders this maker made."""
        for office in self._offices:
            await office.stop()
        if self._owns_root and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
        self._slots, self._offices = None, []

    @property
    def offices(self) -> tuple[Office, ...]:
        """The slots' LibreOffice (none before the first conversion)."""
        return tuple(self._offices)

    async def convert(self, docx: bytes, name: str = "report.docx") -> Pages:
        """The PDF and page pictures of ``docx``; ConversionFailed when that cannot be done."""
        slots = self._slots or self._open()
        office = await slots.get()
        try:
            if self._missing_fonts is None:  # fc-list once, off the event loop
                self._missing_fonts = await asyncio.to_thread(fonts_missing)
            if self._uno_python is None:  # "" when there is none: soffice per conversion
                self._uno_python = await asyncio.to_thread(uno_python, self.settings.uno_python) or ""
            with tempfile.TemporaryDirectory(prefix=_prefix("pages"), dir=scratch_dir()) as work:
                return await self._convert(docx, name, office, Path(work))
        finally:
            if self._slots is slots:  # not closed meanwhile
                office.rest(self.idle_seconds)
                slots.put_nowait(office)

    def _open(self) -> asyncio.Queue[Office]:
        """The slots, made on first use (inside the event loop: the queue belongs to it)."""
        if self._root is None:
            scratch = scratch_dir()
            sweep_stale(Path(scratch or tempfile.gettempdir()))
            self._root = Path(tempfile.mkdtemp(prefix=_prefix("lo"), dir=scratch))
        soffice = shutil.which(self.settings.soffice) or self.settings.soffice
        # LibreOffice keeps temporary files (lu*.tmp) in TMPDIR while it runs, and leaves them
        # there when it is killed; in the system's /tmp they were written to the database's disk
        # and slowed its commits. In the slots' folder they share its cleanup.
        temp = self._root / "tmp"
        temp.mkdir(parents=True, exist_ok=True)
        self._env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "TMPDIR": str(temp)}
        self._prefix = background_command()
        self._offices = [
            Office(soffice, self._root / f"profile-{n}", self._env, self._prefix)
            for n in range(self.settings.at_once)
        ]
        self._slots = asyncio.Queue()
        for office in self._offices:
            self._slots.put_nowait(office)
        return self._slots

    async def _convert(self, docx: bytes, name: str, office: Office, work: Path) -> Pages:
        source = work / (Path(name).stem + ".docx")
        source.write_bytes(docx)
        pdf = source.with_suffix(".pdf")
        if shutil.which(self.settings.soffice) is None:
            raise ConversionFailed("missing", self.settings.soffice)
        if self._uno_python:
            await office.to_pdf(self._uno_python, source, pdf, self.settings.timeout)
        else:
            await self._run(
                self.settings.soffice,
                f"-env:UserInstallation={office.profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(source),
            )
        if not pdf.is_file():
            raise ConversionFailed("failed", "LibreOffice wrote no PDF")
        await self._run(
            self.settings.pdftoppm,
            # JPEG: drawing a page takes pdftoppm about 0.015 s, its PNG encoder 0.2 s more; and
            # Telegram turns every photo into a JPEG anyway.
            "-jpeg",
            "-jpegopt",
            "quality=85",
            "-r",
            str(self.settings.resolution),
            "-l",
            str(self.settings.max_pages),
            str(pdf),
            str(work / "page"),
        )
        pictures = [p.read_bytes() for p in sorted(work.glob("page*.jpg"))]
        if not pictures:
            raise ConversionFailed("failed", "pdftoppm wrote no pictures")
        return Pages(pdf.read_bytes(), pictures, bool(self._missing_fonts))

    async def _run(self, program: str, *args: str) -> None:
        """Run one program under the time limit; kill its process group when it runs over."""
        path = shutil.which(program)
        if path is None:
            raise ConversionFailed("missing", program)
        command = (*self._prefix, path)
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                *args,
                env=self._env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group, so its children die with it
            )
        except OSError as exc:
            raise ConversionFailed("missing", f"{program}: {exc}") from exc
        try:
            _, err = await asyncio.wait_for(process.communicate(), self.settings.timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise ConversionFailed("timeout", f"{program} ran over {self.settings.timeout} s") from exc
        if process.returncode != 0:
            raise ConversionFailed(
                "failed", f"{program} exited {process.returncode}: {err.decode(errors='replace')[-300:]}"
            )


def scratch_dir(shm: Path = Path("/dev/shm")) -> str | None:
    """Where conversions write their files: memory (tmpfs) where there is one, else the temp folder.

    The DOCX, the PDF, the pictures and LibreOffice's profiles are thrown away after sending.
    Written to the disk the database is on, they made its commits wait: a commit's flush also
    flushes what other files wrote meanwhile (BENCHMARKS.md, "Page preview").
    """
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


_SCRATCH_RE = re.compile(r"reportbot-(?:lo|pages)-(\d+)-")


def _prefix(kind: str) -> str:
    """A scratch folder's name starts with the process id, so a later bot can tell it is stale."""
    return f"reportbot-{kind}-{os.getpid()}-"


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the scratch folders of bots no longer running (killed before they could), and say which.

    ``/dev/shm`` is memory: what a killed bot left there stays until the server restarts.
    """
    removed = []
    for entry in folder.glob("reportbot-*"):
        match = _SCRATCH_RE.match(entry.name)
        if match is None or not entry.is_dir() or _alive(int(match.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@dataclass(frozen=True)
class Written:
    """Where a report's PDF and page pictures were written (None: not asked for)."""

    pdf: Path | None
    pictures: list[Path]
    substitute_fonts: bool


def write_pages(settings: PageSettings, docx: Path, pdf: Path | None, pictures_dir: Path | None) -> Written:
    """Convert the DOCX file and write its PDF and/or page pictures (blocking; ConversionFailed)."""

    async def convert(profiles: Path) -> Pages:
        maker = PageMaker(settings, profiles)
        try:
            return await maker.convert(docx.read_bytes(), docx.name)
        finally:
            await maker.close()

    with tempfile.TemporaryDirectory(prefix=_prefix("lo"), dir=scratch_dir()) as profiles:
        pages = asyncio.run(convert(Path(profiles)))
    if pdf is not None:
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(pages.pdf)
    written: list[Path] = []
    if pictures_dir is not None:
        pictures_dir.mkdir(parents=True, exist_ok=True)
        for n, picture in enumerate(pages.pictures, 1):
            path = pictures_dir / f"{docx.stem}-{n:02d}.jpg"
            path.write_bytes(picture)
            written.append(path)
    return Written(pdf, written, pages.substitute_fonts)
