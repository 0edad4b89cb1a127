"""``pllm-notebook dashboard DIR``: serve the live dashboard of a resume directory in a browser.

It runs in its own process beside the notebook kernel that writes ``DIR``: it reads the directory
through short flock-guarded connections and follows its change stamp (see ``follower.py``), so the kernel
keeps working while the page is open. Updates are pushed to the page over Panel's websocket as the
directory changes; the page never polls. The cache browser can invalidate entries or a namespace.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_PORT = 5006
DEFAULT_ADDRESS = "127.0.0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="the resume directory (the folder holding pllm.duckdb)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help=f"address to listen on (default {DEFAULT_ADDRESS}, this machine only)",
    )
    parser.add_argument("--show", action="store_true", help="open the page in a web browser")


def _check_directory(raw: str) -> Path:
    from ..store import DB_FILENAME

    directory = Path(raw).expanduser().resolve()
    if not (directory / DB_FILENAME).is_file():
        raise SystemExit(
            f"pllm-notebook dashboard: {directory} is not a resume directory (no {DB_FILENAME} in it); "
            "pass the folder given to resume_directory(), e.g. .pllm beside the notebook"
        )
    return directory


def _cache_browser(directory: Path) -> Any:
    from ..cache import DuckDBStorage, SemanticCache
    from .cache_browser import CacheBrowser

    return CacheBrowser(SemanticCache(storage=DuckDBStorage(directory)))


def build_app(directory: Path) -> tuple[Any, Any]:
    """The page factory ``panel serve`` calls once per browser session, and the follower feeding it."""
    import panel as pn

    from .follower import DirectoryFollower
    from .model import DashboardModel
    from .view import DashboardView

    model = DashboardModel(str(directory))
    follower = DirectoryFollower(directory, model).start()
    browser = _cache_browser(directory)

    def page() -> Any:
        view = DashboardView(model, browser, title=str(directory))
        doc = pn.state.curdoc
        stops = [
            view.follow(schedule=doc.add_next_tick_callback),
            follower.add_listener(lambda: doc.add_next_tick_callback(view.refresh_cache)),
        ]
        pn.state.on_session_destroyed(lambda _ctx: [stop() for stop in stops])
        return view.panel()

    return page, follower


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    directory = _check_directory(args.directory)
    import panel as pn

    page, follower = build_app(directory)
    origins = [f"{args.address}:{args.port}", f"localhost:{args.port}", f"127.0.0.1:{args.port}"]
    print(
        f"pllm dashboard for {directory} at http://{args.address}:{args.port}/ (Ctrl-C to stop)", flush=True
    )
    try:
        pn.serve(
            {"/": page},
            port=args.port,
            address=args.address,
            show=args.show,
            title="pllm dashboard",
            websocket_origin=origins,
            threaded=False,
        )
    except KeyboardInterrupt:
        pass
    finally:
        follower.close()
    return 0
