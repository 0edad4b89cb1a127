from pllm_notebook.cache import InMemoryStorage, ThreadSafeInMemoryStorage  # noqa: F401
