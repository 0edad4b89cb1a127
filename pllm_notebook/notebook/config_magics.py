"""``%pllm_config``: choose the notebook's resume directory, provider and memo settings."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .session import NotebookSession

__all__ = ["ConfigMagics"]

_ORCHESTRATOR_KEYS = {
    "dir": "directory",
    "directory": "directory",
    "provider": "provider",
    "strategy": "strategy",
    "llm": "llm",
    "log_level": "log_level",
    "ignore_cache": "ignore_cache",
    "semantic_cache": "semantic_cache",
    "max_concurrent": "max_concurrent",
    "max_bytes": "max_bytes",
}
_BOOL_KEYS = {"ignore_cache", "semantic_cache", "restore_vars", "notes"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _value(key: str, text: str) -> Any:
    if key in _BOOL_KEYS:
        lowered = text.lower()
        if lowered not in _TRUE + _FALSE:
            raise UsageError(f"{key} takes true or false, not {text!r}")
        return lowered in _TRUE
    if key in ("max_concurrent", "max_bytes"):
        try:
            return int(float(text))
        except ValueError:
            raise UsageError(f"{key} takes a whole number, not {text!r}") from None
    return text


@magics_class
class ConfigMagics(Magics):
    """The ``%pllm_config`` line magic."""

    def __init__(self, shell: Any, session: NotebookSession) -> None:
        super().__init__(shell)
        self.session = session

    @line_magic
    @magic_arguments()
    @argument("settings", nargs="*", metavar="key=value")
    def pllm_config(self, line: str = "") -> None:
        """Show or change the notebook's settings: ``%pllm_config dir=.pllm/exp1 provider=offline``.

        Keys: ``dir`` (the resume directory, default ``.pllm``), ``provider``, ``strategy`` (sync or
        concurrent), ``llm`` (default model), ``log_level``, ``ignore_cache``, ``semantic_cache``,
        ``max_concurrent`` (these rebuild the notebook's orchestrator, as ``pllm.configure(...)`` does),
        and ``restore_vars`` (true/false: whether ``%%memoize`` stores and restores variables; restoring
        unpickles them, so turn it off for a resume directory you did not create; ``PLLM_NO_VARS=1`` sets
        it off for the whole kernel), and ``notes`` (on/off: the one-line ``[pllm]`` notes of memoized cells;
        off keeps a re-run's saved outputs identical to the first run's; ``PLLM_NOTES=off`` sets it for
        the kernel). With no arguments it prints the current settings.
        """
        from .. import api

        args = parse_argstring(self.pllm_config, line)
        options: dict[str, Any] = {}
        for setting in args.settings:
            key, sep, text = setting.partition("=")
            if not sep:
                raise UsageError(f"%pllm_config takes key=value settings, not {setting!r}")
            if key == "restore_vars":
                self.session.restore_vars = _value(key, text)
            elif key == "notes":
                self.session.notes = _value(key, text)
            elif key in _ORCHESTRATOR_KEYS:
                options[_ORCHESTRATOR_KEYS[key]] = _value(key, text)
            else:
                known = ", ".join(sorted({*_ORCHESTRATOR_KEYS, "restore_vars", "notes"}))
                raise UsageError(
                    f"%pllm_config does not know {key!r}; it takes {known} "
                    "(pass provider options such as base_url with pllm.configure(...))"
                )
        if options:
            api.configure(**options)
        if not args.settings:
            settings = {
                **api.default_options(),
                "restore_vars": self.session.restore_vars,
                "notes": self.session.notes,
            }
            print("\n".join(f"{k} = {v!r}" for k, v in settings.items()))
