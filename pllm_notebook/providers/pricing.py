"""Cost of a call from its token counts and a price table (``prices.json``, dated, user-overridable)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

_overrides: dict[str, dict[str, float]] = {}


@cache
def _table() -> dict[str, Any]:
    path = os.environ.get("PLLM_PRICES_FILE") or str(Path(__file__).with_name("prices.json"))
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def price_table_date() -> str:
    """The date the shipped (or configured) price table was checked."""
    return str(_table().get("date", "unknown"))


def set_price(model: str, *, input: float, output: float, cached_input: float | None = None) -> None:
    """Set a model's price in USD per million tokens, for this process."""
    _overrides[model] = {
        "input": input,
        "output": output,
        "cached_input": input if cached_input is None else cached_input,
    }


def price_for(model: str) -> dict[str, float] | None:
    """The price entry for ``model``: exact name, else the longest known prefix (dated snapshots)."""
    if model in _overrides:
        return _overrides[model]
    models: dict[str, dict[str, float]] = _table()["models"]
    name = model.split("/", 1)[-1]
    if name in models:
        return models[name]
    matches = [k for k in models if name.startswith(k)]
    return models[max(matches, key=len)] if matches else None


def cost_usd(model: str, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
    """What a call cost in USD; 0.0 for a model with no known price."""
    price = price_for(model)
    if price is None:
        return 0.0
    fresh = max(0, input_tokens - cached_input_tokens)
    return (
        fresh * price["input"]
        + cached_input_tokens * price.get("cached_input", price["input"])
        + output_tokens * price["output"]
    ) / 1_000_000
