"""write_html: a Markdown page of a results folder as one HTML file that needs nothing else."""

from __future__ import annotations

import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from coprod.experiments.reports.html import write_html


def test_tables_code_and_figures_become_one_self_contained_file(tmp_path):
    (tmp_path / "figures").mkdir()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    fig.savefig(tmp_path / "figures" / "line.png")
    plt.close(fig)
    page = tmp_path / "page.md"
    page.write_text(
        "# A title & more\n\nSome **bold** text.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n"
        "![a line](figures/line.png)\n\n```python\nx = 1 < 2\n```\n"
    )
    html = write_html(page).read_text()
    assert (tmp_path / "page.html").is_file()
    assert "<title>A title &amp; more</title>" in html and "<strong>bold</strong>" in html
    assert "<table>" in html and "<td>2</td>" in html and "x = 1 &lt; 2" in html
    assert 'src="figures/' not in html and "://" not in html  # "http" can occur in base64
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert base64.b64decode(encoded) == (tmp_path / "figures" / "line.png").read_bytes()
