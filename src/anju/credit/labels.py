"""The event catalogue (``credit/data/event_kinds.toml``) read once: kinds, their labels and polarity,
for pages and the synthetic history."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def event_kinds() -> dict[str, dict[str, Any]]:
    text = resources.files("anju.credit").joinpath("data/event_kinds.toml").read_text(encoding="utf-8")
    kinds: dict[str, dict[str, Any]] = tomllib.loads(text)["kinds"]
    return kinds


def kind_label(kind: str) -> str:
    k = event_kinds().get(kind)
    return str(k["label"]) if k else kind


def negative(kind: str) -> bool:
    k = event_kinds().get(kind)
    return bool(k and k.get("polarity") == "negative")
