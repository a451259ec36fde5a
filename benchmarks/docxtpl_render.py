"""What a docxtpl-based tool does for one report, as a process: the baseline of `reportbot render`.

Run: python -m benchmarks.docxtpl_render TEMPLATE.docx CONTEXT.json OUT.docx
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from docxtpl import DocxTemplate


def main() -> None:
    """Read the context, fill the Word template, save the DOCX and print its path."""
    template, context, out = (Path(arg) for arg in sys.argv[1:4])
    doc = DocxTemplate(str(template))
    doc.render(json.loads(context.read_text(encoding="utf-8")))
    doc.save(str(out))
    print(out)


if __name__ == "__main__":
    main()
