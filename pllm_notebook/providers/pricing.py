"""Cost of a call from its token counts and a price table (``prices.json``, dated, user-overridable)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ..settings import setting

_overrides: dict[str, dict[str, float]] = {}


@cache
def _table() -> dict[str, Any]:
    path = setting("prices_file") or str(Path(__file__).with_name("prices.json"))
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def price_table_date() -> str:
    """The date the shipped (or configured) price table was checked."""
    return str(_table().get("date", "unknown"))


def set_price(
    model: str,
    *,
    input: float,
    output: float,
    cached_input: float | None = None,
    batch_discount: float | None = None,
) -> None:
    """Set a model's price in USD per million tokens, for this process; ``batch_discount`` (0 to 1) is the
    share a vendor's batch API takes off (the table's default when omitted)."""
    if batch_discount is not None and not 0 <= batch_discount <= 1:
        raise ValueError(
            f"batch_discount is a share between 0 and 1 (0.5 = half price), not {batch_discount!r}"
        )
    entry = {
        "input": input,
        "output": output,
        "cached_input": input if cached_input is None else cached_input,
    }
    if batch_discount is not None:
        entry["batch_discount"] = batch_discount
    _overrides[model] = entry


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


def batch_discount(model: str) -> float:
    """The share of the standard price a batch API takes off for ``model`` (0.5 for all three vendors)."""
    price = price_for(model) or {}
    return float(price.get("batch_discount", _table().get("batch_discount", 0.0)))


def cost_usd(
    model: str, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0, *, batch: bool = False
) -> float:
    """What a call cost in USD (``batch=True``: sent through a batch API, at its discount); 0.0 for a model
    with no known price."""
    price = price_for(model)
    if price is None:
        return 0.0
    fresh = max(0, input_tokens - cached_input_tokens)
    standard = (
        fresh * price["input"]
        + cached_input_tokens * price.get("cached_input", price["input"])
        + output_tokens * price["output"]
    ) / 1_000_000
    return standard * (1.0 - batch_discount(model)) if batch else standard
