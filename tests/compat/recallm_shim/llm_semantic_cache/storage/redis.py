from pllm_notebook.cache import RedisStorage  # noqa: F401
