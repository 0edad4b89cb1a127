"""``%pllm_config``: show or change the notebook's settings, and set them from ``ipython_config.py``.

The keys are the settings of :class:`~pllm_notebook.settings.Settings` marked for the notebook (see
docs/configuration.md). Each run setting is also a configurable trait of :class:`PllmConfigMagics`
(``c.PllmConfigMagics.llm = "offline-large"`` in ``ipython_config.py``); the notebook's own settings
(``restore_vars``, ``notes``) are traits of :class:`~pllm_notebook.notebook.memoize_magics.MemoizeMagics`.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Any as AnyTrait
from traitlets import Bool, Float, Int, TraitType, observe

from ..redaction import default_redactor
from ..settings import (
    NOTEBOOK,
    RUN,
    Settings,
    configure_defaults,
    configured_defaults,
    setting_fields,
    value_type,
)
from .session import NotebookSession

__all__ = ["PllmConfigMagics", "setting_trait"]

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_RUN_KEYS = [f.name for f in setting_fields(RUN) if f.metadata["magic"]]
_NOTEBOOK_KEYS = [f.name for f in setting_fields(NOTEBOOK) if f.metadata["magic"]]
_ALIASES = {"dir": "directory"}


def setting_trait(name: str) -> TraitType:
    """A configurable trait for the setting ``name``: its default, its help, and a type IPython checks."""
    (spec,) = [f for f in setting_fields() if f.name == name]
    kind = value_type(spec)
    trait = {bool: Bool, int: Int, float: Float}.get(kind)
    if trait is None:  # text, or an object (a Provider, a SemanticCache): Settings checks it
        trait = AnyTrait
    return trait(spec.default, allow_none=spec.default is None, help=spec.metadata["help"]).tag(config=True)


def parse_value(key: str, text: str) -> Any:
    """The value ``key=text`` sets, read as the setting's type; a bad one is a ``UsageError``."""
    (spec,) = [f for f in setting_fields() if f.name == key]
    kind = value_type(spec)
    if kind is bool:
        lowered = text.lower()
        if lowered not in _TRUE + _FALSE:
            raise UsageError(f"{key} takes true or false, not {text!r}")
        return lowered in _TRUE
    if kind in (int, float):
        try:
            return int(float(text)) if kind is int else float(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise UsageError(f"{key} takes {what}, not {text!r}") from None
    return text


@magics_class
class PllmConfigMagics(Magics):
    """The ``%pllm_config`` line magic; its traits are the run settings of the notebook's orchestrator.

    A trait set in ``ipython_config.py`` is the notebook's setting unless ``pllm.configure`` or
    ``%pllm_config`` already set it; ``%config PllmConfigMagics.llm = "..."`` changes it later.
    """

    directory = setting_trait("directory")
    provider = setting_trait("provider")
    strategy = setting_trait("strategy")
    llm = setting_trait("llm")
    log_level = setting_trait("log_level")
    ignore_cache = setting_trait("ignore_cache")
    semantic_cache = setting_trait("semantic_cache")
    max_concurrent = setting_trait("max_concurrent")
    requests_per_minute = setting_trait("requests_per_minute")
    replay_pace = setting_trait("replay_pace")
    cache_url = setting_trait("cache_url")
    max_bytes = setting_trait("max_bytes")
    batch_size = setting_trait("batch_size")
    batch_wait_s = setting_trait("batch_wait_s")
    batch_poll_s = setting_trait("batch_poll_s")

    def __init__(self, shell: Any, session: NotebookSession) -> None:
        super().__init__(shell)
        self.session = session
        section = self.config.get(type(self).__name__, {})
        already = configured_defaults()
        configure_defaults(**{k: getattr(self, k) for k in _RUN_KEYS if k in section and k not in already})
        self._loaded = True

    @observe(*_RUN_KEYS)
    def _changed(self, change: dict[str, Any]) -> None:
        """``%config PllmConfigMagics.<name> = ...`` after loading rebuilds the orchestrator, as ``%pllm_config``."""
        if getattr(self, "_loaded", False):
            from .. import api

            api.configure(**{change["name"]: change["new"]})

    @line_magic
    @magic_arguments()
    @argument("settings", nargs="*", metavar="key=value")
    def pllm_config(self, line: str = "") -> None:
        """Show or change the notebook's settings: ``%pllm_config dir=.pllm/exp1 provider=offline``.

        Keys: ``dir`` (the resume directory, default ``.pllm``), ``provider``, ``strategy`` (sync,
        concurrent or batch), ``llm`` (default model), ``log_level``, ``ignore_cache``, ``semantic_cache``,
        ``max_concurrent``, ``requests_per_minute``, ``replay_pace``, ``cache_url``, ``max_bytes`` and the
        ``batch_*`` settings (these rebuild the notebook's orchestrator, as ``pllm.configure(...)`` does),
        and ``restore_vars`` (true/false: whether ``%%memoize`` stores and restores variables; restoring
        unpickles them, so turn it off for a resume directory you did not create; ``PLLM_NO_VARS=1`` sets
        it off for the whole kernel), and ``notes`` (on/off: the one-line ``[pllm]`` notes of memoized cells;
        off keeps a re-run's saved outputs identical to the first run's; ``PLLM_NOTES=off`` sets it for
        the kernel). With no arguments it prints the current settings. docs/configuration.md lists them all,
        with their environment variables and ``ipython_config.py`` names.
        """
        from .. import api

        args = parse_argstring(self.pllm_config, line)
        options: dict[str, Any] = {}
        for setting in args.settings:
            key, sep, text = setting.partition("=")
            if not sep:
                raise UsageError(f"%pllm_config takes key=value settings, not {setting!r}")
            key = _ALIASES.get(key, key)
            if key in _NOTEBOOK_KEYS:
                setattr(self.session, key, parse_value(key, text))
            elif key in _RUN_KEYS:
                options[key] = parse_value(key, text)
            else:
                known = ", ".join(sorted({*_ALIASES, *_RUN_KEYS, *_NOTEBOOK_KEYS}))
                raise UsageError(
                    f"%pllm_config does not know {key!r}; it takes {known} "
                    "(pass provider options such as base_url with pllm.configure(...))"
                )
        if options:
            api.configure(**options)
        if not args.settings:
            print("\n".join(f"{k} = {v!r}" for k, v in self.current().items()))

    def current(self) -> dict[str, Any]:
        """The settings in force: the default orchestrator's, the notebook's, and the provider's options
        (secrets redacted)."""
        from .. import api

        shown = Settings.load(**configured_defaults()).shown(RUN)
        shown.update((key, getattr(self.session, key)) for key in _NOTEBOOK_KEYS)
        if api.provider_options():
            shown["provider_options"] = default_redactor()(api.provider_options())
        return shown
