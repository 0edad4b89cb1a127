"""The notebook face: ``%%memoize``, ``%pllm_stats`` and ``%pllm_config``, loaded by ``%load_ext pllm_notebook``."""
