"""recallm's internal package name, mapped to pllm_notebook (used only to run recallm's own tests)."""

from recallm import *  # noqa: F403
from recallm import __all__  # noqa: F401
