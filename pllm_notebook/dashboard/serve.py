"""``pllm-notebook dashboard DIR`` (or ``dashboard redis://...``): serve the live dashboard of a resume
store in a browser.

It runs in its own process beside the notebook kernels that write the store: it reads a resume directory
through short flock-guarded connections, or a shared Redis store (``cache_url=``) by its URL, and follows
its change stamp (see ``follower.py``), so the kernels keep working while the page is open. Updates are
pushed to the page over Panel's websocket as the store changes; the page never polls. The cache browser
(of the directory's semantic cache, or of the one in that Redis) can invalidate entries or a namespace
(not with ``--read-only``). Only the holder of the printed URL's token gets in (see ``access.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..store import ResumeStoreBase
from . import access

DEFAULT_PORT = 5006
DEFAULT_ADDRESS = "127.0.0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..store.selection import add_prefix_argument

    parser.add_argument(
        "directory",
        metavar="DIR_OR_URL",
        help="the resume directory (the folder holding pllm.duckdb), or the Redis URL of a shared store "
        "(redis://host:port/db, as given to cache_url=)",
    )
    add_prefix_argument(parser)
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


def _open_source(raw: str, prefix: str) -> Path | ResumeStoreBase:
    """The resume directory, or the shared store a Redis URL names; bad input ends the command, saying why."""
    from ..errors import ConfigError, StoreError
    from ..store.selection import is_store_url, open_store_url

    if not is_store_url(raw):
        return _check_directory(raw)
    try:
        return open_store_url(raw, prefix)
    except (ConfigError, StoreError) as exc:
        raise SystemExit(f"pllm-notebook dashboard: {exc}") from None


def _label(source: Path | ResumeStoreBase) -> str:
    """How the page and the command name what they show: a folder, or a store's URL and prefix."""
    return source.where if isinstance(source, ResumeStoreBase) else str(source)


def _cache_browser(source: Path | str, read_only: bool) -> Any:
    """The cache browser of a directory's semantic cache, or of the one in the Redis at URL ``source``."""
    from ..cache import DuckDBStorage, SemanticCache
    from .cache_browser import CacheBrowser

    if isinstance(source, Path):
        cache = SemanticCache(storage=DuckDBStorage(source))
    else:
        from ..cache.storage_redis import RedisStorage

        cache = SemanticCache(storage=RedisStorage.from_url(source))
    return CacheBrowser(cache, read_only=read_only)


def build_app(
    source: Path | ResumeStoreBase, read_only: bool = False, cache_url: str | None = None
) -> tuple[Any, Any]:
    """The page factory ``panel serve`` calls once per browser session, and the follower feeding it.

    ``source`` is a resume directory, or a shared store whose semantic cache is in the Redis at
    ``cache_url``."""
    import panel as pn

    from .follower import DirectoryFollower
    from .model import DashboardModel
    from .view import DashboardView

    label = _label(source)
    model = DashboardModel(label)
    follower = DirectoryFollower(source, model).start()
    cache_source = source if isinstance(source, Path) else cache_url
    if cache_source is None:
        raise ValueError("a shared store's dashboard needs cache_url=, the Redis URL of its semantic cache")
    browser = _cache_browser(cache_source, read_only)
    browser.cache.event_directory = label  # its invalidations go to the store's activity log

    def page() -> Any:
        view = DashboardView(
            model, browser, title=f"{label}{' (read-only)' if read_only else ''}", store=follower.store
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
    source = _open_source(args.directory, args.prefix)
    token = access.token_from(args)
    import panel as pn

    page, follower = build_app(source, args.read_only, cache_url=args.directory)
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
    print(f"pllm dashboard{mode} for {_label(source)} at {url} (Ctrl-C to stop)", flush=True)
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
