"""What the dashboard's cache browser reads from and does to a semantic cache, as plain rows.

Everything shown passes through the secret redactor: a request, a prompt or a response may hold a key a
user pasted, and the dashboard must never display it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..events import snippet
from ..redaction import redact

ENTRY_PAGE = 50
"""How many of a namespace's newest entries the browser lists."""


@dataclass(frozen=True)
class NamespaceInfo:
    name: str
    entries: int


@dataclass(frozen=True)
class EntryRow:
    entry_id: str
    created: str
    hits: int
    last_hit: str
    model: str
    prompt: str


@dataclass(frozen=True)
class SearchHit:
    entry_id: str
    namespace: str
    similarity: float
    prompt: str
    response: str


def _when(ts: float | None) -> str:
    return "" if not ts else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


class CacheBrowser:
    """Browse, search and clean one :class:`~pllm_notebook.cache.SemanticCache`.

    A ``read_only`` browser refuses to invalidate (the page it serves has no such buttons, and a forged
    click must not get through either).
    """

    def __init__(self, cache: Any, read_only: bool = False) -> None:
        self.cache = cache
        self.read_only = read_only

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError(
                "this dashboard is read-only (started with --read-only): nothing was removed"
            )

    @property
    def threshold(self) -> float:
        """The similarity a semantic hit must reach."""
        return float(self.cache.threshold)

    def namespaces(self) -> list[NamespaceInfo]:
        """Every namespace with how many entries it holds, largest first."""
        sizes = self.cache.namespaces()
        return [NamespaceInfo(name, n) for name, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))]

    def entries(self, namespace: str, limit: int = ENTRY_PAGE) -> list[EntryRow]:
        """The newest entries of ``namespace``."""
        return [
            EntryRow(
                e.id,
                _when(e.created),
                e.hits,
                _when(e.last_hit),
                e.model,
                snippet(e.prompt_text or "", 100),
            )
            for e in self.cache.entries(namespace, limit=limit)
        ]

    def search(self, text: str, k: int = 5, namespace: str | None = None) -> list[SearchHit]:
        """The ``k`` entries nearest in meaning to ``text``, with their similarity."""
        return [
            SearchHit(
                s.entry.id,
                s.entry.namespace,
                s.similarity,
                snippet(s.entry.prompt_text or "", 100),
                snippet(s.entry.response_text or "", 100),
            )
            for s in self.cache.similar(text, k=k, namespace=namespace)
        ]

    def inspect(self, entry_id: str) -> dict[str, Any] | None:
        """One entry in full (request, response, created, hits, last hit), secrets removed."""
        entry = self.cache.get_entry(entry_id)
        if entry is None:
            return None
        return redact(
            {
                "id": entry.id,
                "namespace": entry.namespace,
                "model": entry.model,
                "provider": entry.provider,
                "created": _when(entry.created),
                "hits": entry.hits,
                "last_hit": _when(entry.last_hit),
                "expires": _when(entry.expires),
                "input_tokens": entry.input_tokens,
                "output_tokens": entry.output_tokens,
                "latency_s": entry.latency_s,
                "cost_usd": entry.cost_usd,
                "prompt": entry.prompt_text,
                "request": entry.request,
                "response_text": entry.response_text,
                "response": entry.response,
            }
        )

    def invalidate_entry(self, entry_id: str) -> int:
        """Remove one entry; returns 1 if it existed, else 0."""
        self._writable()
        return int(self.cache.invalidate_entry(entry_id))

    def invalidate_namespace(self, namespace: str) -> int:
        """Remove every entry of ``namespace``; returns how many there were."""
        self._writable()
        return self.cache.invalidate_namespace(namespace)
