"""Charts for the reports, drawn with matplotlib and inlined as SVG (text kept as text)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402  (backend must be chosen first)

GOOD = "#2e7d32"
WARN = "#f9a825"
BAD = "#c62828"
NODATA = "#b0bec5"

_RC: Any = {
    "svg.fonttype": "none",  # keep labels as <text>: searchable, small, crisp in the PDF
    "svg.hashsalt": "sop-report",  # deterministic element ids
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _to_svg(fig: object, title: str) -> str:
    buf = io.StringIO()
    # Fixed margins instead of bbox_inches="tight": that draws the figure twice (2x the time).
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.2, top=0.96)  # type: ignore[attr-defined]
    fig.savefig(buf, format="svg", metadata={"Date": None})  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype for inlining
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" class="chart" ', 1)


def availability_chart(days: Sequence[int], percent: Sequence[float | None], threshold: float = 99.0) -> str:
    """Given day numbers and the SIPP availability per day (None = no check), return inline SVG.

    Bars are green at or above `threshold` percent, amber above 90 %, red below; days without
    a single check show a grey stub so a gap in monitoring is visible, not hidden.
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.2, 2.4))
        heights = [p if p is not None else 3.0 for p in percent]
        colors = [
            NODATA if p is None else GOOD if p >= threshold else WARN if p >= 90.0 else BAD for p in percent
        ]
        ax.bar(list(days), heights, color=colors, width=0.8)
        ax.set_ylim(0, 105)
        ax.set_xlim(0.4, max(days, default=1) + 0.6)
        ax.set_xticks(list(days))
        ax.tick_params(axis="x", labelsize=6)
        ax.set_ylabel("Akses SIPP tersedia (%)")
        ax.set_xlabel("Tanggal")
        ax.axhline(threshold, color="#555555", linewidth=0.6, linestyle="--")
        return _to_svg(fig, "Ketersediaan akses SIPP per hari")


def backup_chart(labels: Sequence[str], sizes_mib: Sequence[float], title: str) -> str:
    """Given backup dates (labels) and their sizes in MiB, return an inline SVG line chart."""
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.2, 2.0))
        xs = list(range(len(labels)))
        ax.plot(xs, list(sizes_mib), marker="o", markersize=2.5, linewidth=1.2, color="#1565c0")
        step = max(1, len(labels) // 15)
        ax.set_xticks(xs[::step])
        ax.set_xticklabels(list(labels)[::step], fontsize=6)
        ax.set_ylabel("Ukuran (MiB)")
        ax.set_ylim(bottom=0)
        return _to_svg(fig, title)
