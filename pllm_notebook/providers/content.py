"""Message content parts shared by the adapters: images as bytes (from ``bytes`` or a PIL image) and text."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_mime(data: bytes) -> str:
    """The MIME type of encoded image bytes, from their first bytes (PNG, JPEG, GIF, WebP)."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise ConfigError("image bytes are not PNG, JPEG, GIF or WebP; encode the image in one of those formats")


def is_pil_image(value: Any) -> bool:
    """Whether ``value`` is a PIL image (checked without importing PIL)."""
    return any(c.__module__.startswith("PIL.") and c.__name__ == "Image" for c in type(value).__mro__)


def image_part(value: Any) -> dict[str, Any]:
    """A provider-neutral image part from encoded bytes or a PIL image (saved as PNG)."""
    if is_pil_image(value):
        buffer = io.BytesIO()
        value.save(buffer, format="PNG")
        value = buffer.getvalue()
    data = bytes(value)
    return {"type": "image", "mime": image_mime(data), "data": data}


PART_KINDS = ("text", "image", "tool_call", "tool_result")


def part_kind(part: Any) -> str:
    """One of :data:`PART_KINDS`, or ``"other"`` (a vendor-specific dict passed through as it is)."""
    if isinstance(part, str):
        return "text"
    if isinstance(part, Mapping) and part.get("type") in PART_KINDS:
        return str(part["type"])
    return "other"


def tool_call_part(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    """A provider-neutral tool call the model made; ``arguments`` is kept as JSON text."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return {"type": "tool_call", "id": call_id or "", "name": name, "arguments": text}


def tool_result(call: Mapping[str, Any], content: Any) -> tuple[str, list[dict[str, Any]]]:
    """The conversation item that answers one tool call: ``conv.append(tool_result(call, "18 C"))``."""
    text = content if isinstance(content, str) else json.dumps(content)
    return ("tool", [{"type": "tool_result", "id": call["id"], "name": call["name"], "content": text}])


def tool_arguments(part: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of a tool-call part as a dict."""
    return json.loads(part.get("arguments") or "{}")


def part_text(part: Any) -> str:
    return part if isinstance(part, str) else str(part.get("text", ""))


def image_b64(part: Mapping[str, Any]) -> tuple[str, str]:
    """``(mime, base64 text)`` of an image part."""
    data = bytes(part["data"])
    return part.get("mime") or image_mime(data), base64.b64encode(data).decode("ascii")


def image_data_url(part: Mapping[str, Any]) -> str:
    mime, b64 = image_b64(part)
    return f"data:{mime};base64,{b64}"
