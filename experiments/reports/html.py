"""A Markdown page of a results folder as one self-contained HTML file beside it.

A report travels by e-mail or sits on a shared drive: ``report.html`` opens in any browser
with its figures inlined (base64 PNG) and no reference outside the file, no stylesheet, font or
script fetched from anywhere. The Markdown is converted by Python-Markdown (tables and fenced
code extensions), not by a parser of our own.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown

EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
# Local figures, as the report pages write them: ![alt](figures/name.png).
IMAGE = re.compile(r'src="(figures/[^"]+\.png)"')
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.45;
       max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #1b1b1b; }
h1 { font-size: 1.7em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.55em; text-align: left; vertical-align: top; }
th { background: #f1f1f1; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
code { background: #f3f3f3; padding: 0 0.2em; }
pre { background: #f3f3f3; padding: 0.8em; overflow-x: auto; }
"""


def write_html(page: Path) -> Path:
    """Write ``page`` (a Markdown file) as ``page.with_suffix(".html")``, each figure it links
    under ``figures/`` inlined; return the HTML file's path."""
    text = page.read_text(encoding="utf-8")
    body = markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    body = IMAGE.sub(lambda m: f'src="{_data_uri(page.parent / m.group(1))}"', body)
    title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), page.stem)
    document = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    out = page.with_suffix(".html")
    out.write_text(document, encoding="utf-8")
    return out


def _data_uri(png: Path) -> str:
    """A PNG as a data URI, so the page needs no file beside it."""
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
