"""``pllm-notebook dashboard DIR``: serve the live dashboard of a resume directory in a browser.

It runs in its own process beside the notebook kernel that writes ``DIR``: it reads the directory
through short flock-guarded connections and follows its change stamp (see ``follower.py``), so the kernel
keeps working while the page is open. Updates are pushed to the page over Panel's websocket as the
directory changes; the page never polls. The cache browser can invalidate entries or a namespace
(not with ``--read-only``). Only the holder of the printed URL's token gets in (see ``access.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import access

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
    access.add_arguments(parser)


def _check_directory(raw: str) -> Path:
    from ..store import DB_FILENAME

    directory = Path(raw).expanduser().resolve()
    if not (directory / DB_FILENAME).is_file():
        raise SystemExit(
            f"pllm-notebook dashboard: {directory} is not a resume directory (no {DB_FILENAME} in it); "
            "pass the folder given to resume_directory(), e.g. .pllm beside the notebook"
        )
    return directory


def _cache_browser(directory: Path, read_only: bool) -> Any:
    from ..cache import DuckDBStorage, SemanticCache
    from .cache_browser import CacheBrowser

    return CacheBrowser(SemanticCache(storage=DuckDBStorage(directory)), read_only=read_only)


def build_app(directory: Path, read_only: bool = False) -> tuple[Any, Any]:
    """The page factory ``panel serve`` calls once per browser session, and the follower feeding it."""
    import panel as pn

    from .follower import DirectoryFollower
    from .model import DashboardModel
    from .view import DashboardView

    model = DashboardModel(str(directory))
    follower = DirectoryFollower(directory, model).start()
    browser = _cache_browser(directory, read_only)

    def page() -> Any:
        view = DashboardView(
            model, browser, title=f"{directory}{' (read-only)' if read_only else ''}", store=follower.store
        )
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
    token = access.token_from(args)
    import panel as pn

    page, follower = build_app(directory, args.read_only)
    origins = [f"{args.address}:{args.port}", f"localhost:{args.port}", f"127.0.0.1:{args.port}"]
    guard: dict[str, Any] = {}
    if token is None:
        url = f"http://{args.address}:{args.port}/"
        print("pllm dashboard: no token: anyone who can reach the port can open it", flush=True)
    else:
        gate = access.TokenGate(token, args.port)
        url = gate.url(args.address)
        guard["auth_provider"] = access.auth_provider(gate)
    mode = " (read-only)" if args.read_only else ""
    print(f"pllm dashboard{mode} for {directory} at {url} (Ctrl-C to stop)", flush=True)
    try:
        server = pn.serve(
            {"/": page},
            port=args.port,
            address=args.address,
            title="pllm dashboard",
            websocket_origin=origins,
            start=False,
            verbose=False,
            # the Bokeh session token, embedded in the page, copies the request's headers and cookies
            # unless told otherwise: it must carry neither the cookie nor an Authorization header
            include_headers=["Host", "User-Agent", "Accept-Language"],
            include_cookies=[],
            **guard,
        )
        if args.show:
            import webbrowser

            server.io_loop.add_callback(lambda: webbrowser.open(url))
        server.start()
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        follower.close()
    return 0
