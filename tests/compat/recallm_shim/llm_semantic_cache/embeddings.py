from pllm_notebook.cache.embedders import Embedder, FastEmbedEmbedder  # noqa: F401
from pllm_notebook.cache.storage_base import unit_vector


def _l2_normalize(vector: list[float]) -> list[float]:
    """recallm's private helper, as pllm_notebook's ``unit_vector`` (its tests of it then test ours)."""
    return [float(x) for x in unit_vector(vector)]
