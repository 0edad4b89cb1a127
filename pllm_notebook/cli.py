"""The ``pllm-notebook`` command: one sub-command per task, each implemented beside what it works on.

Every entry below names a module with ``add_arguments(parser)`` and ``run(args) -> int``. Those modules
keep their top level light (heavy imports go inside ``run``), so ``pllm-notebook --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "dashboard": ("pllm_notebook.dashboard.serve", "serve the live dashboard for a resume directory"),
    "calibrate": ("pllm_notebook.cache.calibration_cli", "calibrate similarity presets from labelled pairs"),
    "repair": ("pllm_notebook.store.repair", "save what can be read from a damaged resume directory"),
    "info": ("pllm_notebook.store.info", "summarise what a resume directory holds"),
    "gc": ("pllm_notebook.store.gc", "drop entries no cell uses any more and shrink a resume directory"),
}
COMMANDS.update(
    {
        "export": ("pllm_notebook.notebook.export", "write a notebook's stored results as a signed bundle"),
        "import": (
            "pllm_notebook.store.bundle_import",
            "verify a signed bundle and merge it into a resume directory",
        ),
        "trust": (
            "pllm_notebook.store.signing",
            "trust a bundle signer (its entries may unpickle), or list signers",
        ),
    }
)


#: The commands that also read a shared Redis store given by its URL; the others need a resume directory.
READS_STORE_URL = {"dashboard", "info"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pllm-notebook", description="pllm_notebook command-line tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(command_module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in READS_STORE_URL:
        from .store.selection import is_store_url

        for name in ("directory", "dir"):
            value = getattr(args, name, None)
            if isinstance(value, str) and is_store_url(value):
                parser.error(
                    f"{args.command} works on a resume directory, not on a shared store URL ({value.split('://')[0]}://...); "
                    "give the directory the notebook ran with (its pllm.duckdb), or use `pllm-notebook info URL` "
                    "and `pllm-notebook dashboard URL` for a Redis store"
                )
    module = importlib.import_module(args.command_module)
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
