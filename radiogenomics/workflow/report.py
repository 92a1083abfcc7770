"""The Markdown report of a workflow run."""

from __future__ import annotations

import math

import pandas as pd


def markdown_table(table: pd.DataFrame, digits: int = 3, max_rows: int = 40) -> str:
    """Format a table as GitHub-flavoured Markdown, numbers to ``digits`` significant digits."""
    def cell(value) -> str:
        if isinstance(value, float):
            if math.isnan(value):
                return ""
            return f"{value:.{digits}g}"
        return str(value).replace("|", "\\|")

    shown = table.head(max_rows)
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |",
             "|" + "---|" * len(shown.columns)]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    if len(table) > max_rows:
        lines.append(f"\n({len(table) - max_rows} more rows in the CSV file)")
    return "\n".join(lines)


def figure_link(stem: str, caption: str) -> str:
    """Return Markdown that shows ``figures/<stem>.png`` and links its PDF."""
    return f"![{caption}](figures/{stem}.png)\n\n*{caption}* ([PDF](figures/{stem}.pdf))"


def write_report(path, sections: list[tuple[str, str]], title: str, notice: str = "") -> None:
    """Write the report: a title, an optional notice, then ``(heading, body)`` sections."""
    parts = [f"# {title}\n"]
    if notice:
        parts.append(f"> **{notice}**\n")
    for heading, body in sections:
        parts.append(f"## {heading}\n\n{body}\n")
    path.write_text("\n".join(parts), encoding="utf-8")
