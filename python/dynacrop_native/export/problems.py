"""What can go wrong in an export: whole-run errors stop it, per-entry skips are recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._checks import shown


class ExportError(ValueError):
    """A problem with the whole run (unreadable annotation file, missing --images folder,
    unusable --out): the export stops with this one-line message before writing anything."""


@dataclass(frozen=True)
class Skip:
    """One annotation (or entry) left out, and why. `reason` is short and groups the summary;
    `detail` says what exactly, naming the path or value involved."""

    what: str
    reason: str
    detail: str = ""
    annotation_id: Any = None
    annotation_index: int | None = None

    def record(self) -> dict:
        return {"what": self.what, "why": f"{self.reason} ({self.detail})" if self.detail else self.reason,
                "reason": self.reason, "annotation_id": self.annotation_id,
                "annotation_index": self.annotation_index}


def show(value: object, limit: int = 100) -> str:
    """Text from the dataset made safe to print: non-printable characters (terminal escapes,
    NUL, bidirectional overrides) escaped, at most `limit` characters."""
    text = value if isinstance(value, str) else shown(value)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def show_value(value: object) -> str:
    """A value from the dataset as written (strings quoted), safe to print."""
    return show(shown(value))
