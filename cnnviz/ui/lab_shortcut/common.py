"""What the shortcut lab's parts share: a share as a percentage and the two runs' names."""

from __future__ import annotations

from ..text import t


def pct(value: float) -> str:
    return f"{value:.0%}"


def run_names() -> dict[str, str]:
    """The experiment's runs by their names in the results: the watermarked run first, then its control."""
    return {"watermarked": t("watermarked run"), "control": t("control run")}
