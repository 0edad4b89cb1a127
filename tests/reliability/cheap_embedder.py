"""A tiny deterministic embedder for tests and their worker processes: no model, microseconds a text."""

from __future__ import annotations

import hashlib

import numpy as np


class HashEmbedder:
    """A tiny deterministic embedder (hashed words into 32 dimensions): fast, no model, same text same vector."""

    model_id = "test-hash-32"

    def embed(self, texts):
        out = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split() or [""]:
                digest = hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
                out[row, digest[0] % 32] += 1.0 if digest[1] & 1 else -1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out
