"""Embedders: turn texts into unit vectors. Any object with ``model_id`` and ``embed(texts)`` works, and so
does recallm's protocol, ``embed(text)`` (see :func:`as_batch_embedder`).

Models load on first use, never in a constructor, so creating a cache is instant and an exact hit never
loads a model. ``FastEmbedEmbedder`` (the default) reads a local ONNX folder when one is given
(``model_path=`` or ``PLLM_EMBEDDING_MODEL_PATH``) and then never touches the network; without one it uses a
copy in fastembed's cache, and downloads only when the model hub can be reached, failing at once otherwise.
"""

from __future__ import annotations

import inspect
import os
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError
from ..plugins import EMBEDDERS, declared, load
from ..settings import setting
from .config import DEFAULT_EMBEDDING_MODEL

__all__ = [
    "Embedder",
    "FastEmbedEmbedder",
    "OneTextEmbedder",
    "SentenceTransformerEmbedder",
    "as_batch_embedder",
    "embed_texts",
    "embedder_names",
    "get_embedder",
    "MODEL_PATH_ENV",
]

MODEL_PATH_ENV = "PLLM_EMBEDDING_MODEL_PATH"
_HUB = ("huggingface.co", 443)


@runtime_checkable
class Embedder(Protocol):
    """What the cache needs from an embedding model."""

    @property
    def model_id(self) -> str:
        """Names the model: vectors of two different ``model_id`` values are never compared."""
        ...

    def embed(self, texts: Sequence[str]) -> Any:
        """One unit vector per text (an array of shape ``(len(texts), dim)`` or a list of vectors)."""
        ...


class OneTextEmbedder:
    """A recallm-style embedder (``embed(text) -> vector``) seen through the batch protocol.

    The wrapped object's ``embed`` is looked up on every call, so replacing it later still counts.
    """

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def embed(self, texts: Sequence[str]) -> list[Any]:
        return [self.embedder.embed(text) for text in texts]

    def __repr__(self) -> str:
        return f"OneTextEmbedder({self.embedder!r})"


def _takes_one_text(embed: Any) -> bool | None:
    """Whether ``embed``'s first parameter is one text (True), a list of texts (False) or unknown (None)."""
    try:
        params = [
            p
            for p in inspect.signature(embed).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return None
    if not params:
        return None
    param = params[0]
    if param.annotation in (str, "str"):
        return True
    if param.name == "text":
        return True
    if param.name == "texts" or param.annotation is not inspect.Parameter.empty:
        return False
    return None


def embedder_names() -> list[str]:
    """Every name :func:`get_embedder` accepts: the ``pllm_notebook.embedders`` entry points."""
    return sorted(declared(EMBEDDERS))


def get_embedder(name: str, **options: Any) -> Embedder:
    """The embedder declared as entry point ``name`` of ``pllm_notebook.embedders``, built with ``options``."""
    factory = load(EMBEDDERS, name)
    if factory is None:
        raise ConfigError(
            f"unknown embedder {name!r}; choose one of {', '.join(embedder_names())} or declare yours as an "
            f'entry point in the group "{EMBEDDERS}"'
        )
    return as_batch_embedder(factory(**options))


def _missing_members(embedder: Any) -> list[str]:
    """What ``embedder`` lacks of the :class:`Embedder` protocol, in words."""
    missing = []
    if not isinstance(getattr(embedder, "model_id", None), str):
        missing.append("a str `model_id`")
    if not callable(getattr(embedder, "embed", None)):
        missing.append("an `embed` method")
    return missing


def as_batch_embedder(embedder: Embedder | str) -> Embedder:
    """``embedder`` as one that embeds a list of texts, told apart once by ``embed``'s signature.

    Both protocols work: pllm_notebook's ``embed(texts: list[str])`` (one vector per text) and recallm's
    ``embed(text: str)`` (one vector). A name is looked up with :func:`get_embedder`. An object that is not
    an :class:`Embedder`, or whose signature says neither, is a ``ConfigError`` naming what is missing.
    """
    if isinstance(embedder, str):
        return get_embedder(embedder)
    missing = _missing_members(embedder)
    if missing or not isinstance(embedder, Embedder):
        raise ConfigError(
            f"embedder {type(embedder).__name__} is not an Embedder: it lacks {' and '.join(missing)}; "
            "write embed(self, text: str) -> list[float] (recallm's protocol) or "
            "embed(self, texts: list[str]) -> one vector per text"
        )
    one = _takes_one_text(embedder.embed)
    if one is None:
        raise ConfigError(
            f"cannot tell whether {type(embedder).__name__}.embed takes one text or a list of texts; name or "
            "annotate its parameter: embed(self, text: str) or embed(self, texts: list[str])"
        )
    return OneTextEmbedder(embedder) if one else embedder


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """``embedder``'s vectors for ``texts`` as a float32 matrix with unit rows (normalised again, to be safe)."""
    matrix = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2 or matrix.shape[0] != len(texts):
        raise ValueError(
            f"{type(embedder).__name__}.embed returned shape {matrix.shape} for {len(texts)} texts; "
            "it must return one vector per text"
        )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _hub_reachable(timeout: float = 1.5) -> bool:
    try:
        with socket.create_connection(_HUB, timeout=timeout):
            return True
    except OSError:
        return False


class FastEmbedEmbedder:
    """A fastembed (ONNX) sentence-embedding model, loaded on first use.

    ``model_path`` (or the environment variable ``PLLM_EMBEDDING_MODEL_PATH``) is a local folder holding
    the model's ONNX export and tokenizer, such as ``all-MiniLM-L6-v2-onnx``. ``threads`` is onnxruntime's
    thread count: one (the default) embeds a single query fastest on a busy machine and leaves no spinning
    worker threads to slow the vector search that follows; raise it (or None: all cores) for large batches.
    """

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        model_path: str | os.PathLike | None = None,
        threads: int | None = 1,
    ):
        self.model_name = model_name
        self.threads = threads
        self._model_path = Path(model_path).expanduser() if model_path else None
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.model_name

    @property
    def model_path(self) -> Path | None:
        """The local folder the model loads from, if any (the argument, else the environment)."""
        if self._model_path is not None:
            return self._model_path
        env = setting("embedding_model_path")
        return Path(env).expanduser() if env else None

    def _load(self) -> Any:
        try:
            from fastembed import TextEmbedding
        except ImportError as exc:
            raise ImportError(
                "FastEmbedEmbedder needs fastembed: `pip install 'pllm-notebook[embed]'`"
            ) from exc
        path = self.model_path
        if path is not None:
            if not (path / "model.onnx").is_file() and not any(path.glob("*.onnx")):
                raise ConfigError(
                    f"no ONNX model in {path} (from model_path= or {MODEL_PATH_ENV}); point it at a folder "
                    "holding model.onnx and tokenizer.json"
                )
            return TextEmbedding(self.model_name, specific_model_path=str(path), threads=self.threads)
        try:
            return TextEmbedding(self.model_name, local_files_only=True, threads=self.threads)
        except Exception:  # no local copy in fastembed's cache: download only if the hub answers
            if (
                os.environ.get("HF_HUB_OFFLINE", "").upper() not in ("1", "TRUE", "YES", "ON")
                and _hub_reachable()
            ):
                return TextEmbedding(self.model_name, threads=self.threads)
        raise ConfigError(
            f"cannot load the embedding model {self.model_name!r}: it is not in fastembed's cache and the "
            f"model hub cannot be reached. Point at a local ONNX folder with "
            f"FastEmbedEmbedder(model_path='.../all-MiniLM-L6-v2-onnx') or the environment variable "
            f"{MODEL_PATH_ENV}, or pass CacheConfig(embedding_model_path=...)."
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts``, shape ``(len(texts), dim)``."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return np.stack([np.asarray(v, dtype=np.float32) for v in self._model.embed(list(texts))])

    def __repr__(self) -> str:
        return f"FastEmbedEmbedder({self.model_name!r}, model_path={self.model_path!s})"


class SentenceTransformerEmbedder:
    """A sentence-transformers (PyTorch) model, loaded on first use; needs the ``[torch]`` extra."""

    def __init__(
        self,
        model_name: str = DEFAULT_EMBEDDING_MODEL,
        model_path: str | None = None,
        device: str | None = None,
    ):
        self.model_name = model_name
        self.model_path = model_path
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.model_name

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                "SentenceTransformerEmbedder needs sentence-transformers: `pip install 'pllm-notebook[torch]'`"
            ) from exc
        return SentenceTransformer(self.model_path or self.model_name, device=self.device)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts``, shape ``(len(texts), dim)``."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return np.asarray(self._model.encode(list(texts), normalize_embeddings=True), dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.model_name!r})"
