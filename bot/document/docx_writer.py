"""The DOCX writer: a document model laid out to GB/T 9704-2012.

Only this module and ``docx_base`` know about DOCX. The set-up document (page, styles, footers)
is built once with python-docx (``docx_base``) and kept; each report's paragraphs are then
written into a copy of it as WordprocessingML text. Building them through python-docx's object
API cost more than everything else a report takes, and importing python-docx about as much
again for a one-off ``reportbot render`` (BENCHMARKS.md, "Render"). The XML is what python-docx
wrote for the same paragraphs, part for part (compared over every fixture's report when it
replaced python-docx's API; ``tests/test_docx.py`` and ``tests/test_docx_xml.py`` read it back):
every run carries its fonts in all four slots (Word prefers a theme font, and python-docx's
``font.name`` sets no eastAsia), black colour and size.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import tempfile
import zipfile
from importlib.util import find_spec
from pathlib import Path

from bot.disk_cache import DiskCache, key, source_of
from bot.document.docx_format import EM_DASH, KEPT_WITH_NEXT, THEME_ATTRS, RoleFormat, role_formats
from bot.document.fonts import Fonts
from bot.document.model import Document, Paragraph, Role
from bot.document.signature import block_indents, kept_with_next
from bot.document.title_lines import TITLE_LINE_CHARS, split_title

__all__ = [
    "EM_DASH",
    "KEPT_WITH_NEXT",
    "THEME_ATTRS",
    "TITLE_LINE_CHARS",
    "DocxWriter",
    "Fonts",
    "split_title",
]

# What the set-up document is made from: a change to any of them builds it again.
BASE_SOURCES = tuple(str(Path(__file__).with_name(name)) for name in ("docx_base.py", "docx_format.py"))
BODY_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
# Characters XML 1.0 cannot hold; answers are cleaned of them on input, this is the last guard.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_STYLE = re.compile(r'<w:style\b[^>]*\bw:styleId="([^"]*)"[^>]*>\s*<w:name w:val="([^"]*)"')
_RUN_CONTROLS = re.compile("([\t\n\r])")


def _text(value: str) -> str:
    """``value`` escaped for an XML text node."""
    return _NOT_XML.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    """``value`` escaped for a double-quoted XML attribute."""
    return _text(value).replace('"', "&quot;")


def _unescape(value: str) -> str:
    return value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class _Base:
    """The set-up document, opened: its parts, the body's frame and the style id of each role."""

    def __init__(self, data: bytes, formats: dict[Role, RoleFormat]) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Names, dates and bytes only: a ZipInfo is filled in by the archive it is written to.
            self.parts = [(info.filename, info.date_time, archive.read(info)) for info in archive.infolist()]
        parts = {name: part for name, _, part in self.parts}
        body = parts[BODY_PART].decode()
        # python-docx keeps the section properties last in the body; paragraphs go before them.
        cut = body.index("<w:sectPr", body.index("<w:body>"))
        self.head, self.tail = body[:cut], body[cut:]
        styles = parts["word/styles.xml"].decode()
        ids = {_unescape(name): _unescape(style_id) for style_id, name in _STYLE.findall(styles)}
        self.style_ids = {role: ids[form.style] for role, form in formats.items()}


class DocxWriter:
    """Writes documents as GB/T 9704-2012 DOCX files."""

    def __init__(
        self, fonts: Fonts | None = None, sealed: bool | None = None, cache: DiskCache | None = None
    ) -> None:
        self.fonts = fonts or Fonts()
        self.sealed = sealed  # REPORTBOT_SEAL: wins over the document's (the profile's) choice
        self.cache = cache
        self.role_formats = role_formats(self.fonts)
        self._base: _Base | None = None
        self._run_props = {
            (form.font, form.size): _run_properties(form.font, form.size)
            for form in self.role_formats.values()
        }

    def _opened_base(self) -> _Base:
        """The set-up document, built once per writer; with a disk cache, once per change of the
        code, python-docx or the fonts, not once per process."""
        if self._base is None:
            self._base = _Base(self._base_bytes(), self.role_formats)
        return self._base

    def _base_bytes(self) -> bytes:
        # python-docx's own package source stands for its version, without importing it.
        spec = find_spec("docx")
        python_docx = source_of(spec.origin) if spec and spec.origin else b""
        name = "base-" + key(source_of(*BASE_SOURCES), python_docx, repr(self.fonts)) + ".docx"
        cached = self.cache.get(name) if self.cache else None
        if cached is not None:
            return cached
        from bot.document.docx_base import base_document

        data = base_document(self.fonts, self.role_formats)
        if self.cache:
            self.cache.put(name, data)
        return data

    def _paragraph(self, style_id: str, para: Paragraph, keep: bool, right_chars: float | None) -> str:
        form = self.role_formats[para.role]
        out = [f'<w:p><w:pPr><w:pStyle w:val="{_attr(style_id)}"/>']
        if keep:
            out.append("<w:keepNext/>")
        if right_chars is not None:
            twips = round(right_chars * form.size * 20)
            out.append(f'<w:ind w:rightChars="{round(right_chars * 100)}" w:right="{twips}"/>')
        out.append("</w:pPr>")
        # A title's lines break between words (a draft's 【待填写】 marks, highlighted runs,
        # included); other paragraphs wrap where Word puts them.
        cuts: set[int] = set()
        if para.role is Role.TITLE:
            cuts = set(itertools.accumulate(map(len, split_title(para.text)[:-1])))
        props = self._run_props[(form.font, form.size)]
        offset = 0
        for run in para.runs:
            text = run.text
            bounds = [0, *(c - offset for c in sorted(cuts) if offset < c < offset + len(text)), len(text)]
            for start, end in itertools.pairwise(bounds):
                highlight = '<w:highlight w:val="yellow"/>' if run.placeholder else ""
                out.append(f"<w:r><w:rPr>{props}{highlight}</w:rPr>{_run_text(text[start:end])}")
                out.append("<w:br/></w:r>" if offset + end in cuts else "</w:r>")
            offset += len(text)
        out.append("</w:p>")
        return "".join(out)

    def _signature_block(self, document: Document) -> dict[int, float]:
        """The right indent, in characters, of each signature and date paragraph (GB/T 7.3.5)."""
        sealed = self.sealed if self.sealed is not None else document.sealed
        paragraphs = document.paragraphs
        indents: dict[int, float] = {}
        for n, para in enumerate(paragraphs):
            if para.role is Role.DATE:
                signature = paragraphs[n - 1] if n and paragraphs[n - 1].role is Role.SIGNATURE else None
                sig, day = block_indents(signature.text if signature else "", para.text, sealed is not False)
                indents[n] = day
                if signature is not None:
                    indents[n - 1] = sig
        return indents

    def body(self, document: Document) -> str:
        """``word/document.xml`` for ``document``."""
        base = self._opened_base()
        ids = base.style_ids
        blank = f'<w:p><w:pPr><w:pStyle w:val="{_attr(ids[Role.BODY])}"/></w:pPr></w:p>'
        kept_blank = f'<w:p><w:pPr><w:pStyle w:val="{_attr(ids[Role.BODY])}"/><w:keepNext/></w:pPr></w:p>'
        out = [base.head]
        previous: Role | None = None
        indents = self._signature_block(document)
        kept = kept_with_next(document)
        for n, para in enumerate(document.paragraphs):
            after_title = previous is Role.TITLE and para.role is not Role.AUTHOR
            if after_title or (previous is Role.AUTHOR and para.role is not Role.AUTHOR):
                out.append(blank)  # one blank line under the title block
            if para.role is Role.SIGNATURE or (para.role is Role.DATE and previous is not Role.SIGNATURE):
                out.append(kept_blank)  # one blank line between the body and the signature, on its page
            out.append(self._paragraph(ids[para.role], para, n in kept, indents.get(n)))
            previous = para.role
        out.append(base.tail)
        return "".join(out)

    def to_bytes(self, document: Document) -> bytes:
        """The DOCX file's bytes."""
        base = self._opened_base()
        written = {BODY_PART: self.body(document).encode(), CORE_PART: _core_properties(document.title)}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, date_time, data in base.parts:
                info = zipfile.ZipInfo(name, date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, written.get(name, data))
        return buffer.getvalue()

    def write(self, document: Document, path: Path) -> Path:
        """Write atomically: a reader never sees a half-written file at ``path``."""
        data = self.to_bytes(document)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".docx")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def _run_properties(font: str, size: float) -> str:
    """A run's fonts in all four slots, black, and its size in half points."""
    name, half_points = _attr(font), round(size * 2)
    return (
        f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>'
        f'<w:color w:val="000000"/><w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    )


def _run_text(text: str) -> str:
    """A run's content as python-docx writes it: tabs and line ends as their own elements."""
    out = []
    for piece in _RUN_CONTROLS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\n", "\r"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if piece != piece.strip() else ""
            out.append(f"<w:t{space}>{_text(piece)}</w:t>")
    return "".join(out)


def _core_properties(title: str) -> bytes:
    """``docProps/core.xml``: the report's title and reportbot as its author."""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_text(title)}</dc:title><dc:creator>reportbot</dc:creator><cp:revision>1</cp:revision>"
        "</cp:coreProperties>"
    ).encode()
