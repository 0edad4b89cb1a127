"""Who may open the served dashboard: the owner, who holds its token.

``pllm-notebook dashboard DIR`` shows every prompt and answer of ``DIR`` and can invalidate cache entries,
and on a shared machine every user can reach 127.0.0.1. So, like Jupyter's own server, it hands out one
URL carrying a random token (or the one given with ``--token`` / ``PLLM_DASHBOARD_TOKEN``) and refuses
every page, websocket and action without it with 403.

The URL's token is traded on first use for an HTTP-only cookie (and the browser is sent to the same page
without it), so the token never sits in the page's source, the Bokeh session token or the browser's
history; the websocket is let in by that cookie. A request from another origin (a page on another port
of this machine, whose browser holds the cookie) is refused too. Comparisons are constant-time.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

TOKEN_ENV = "PLLM_DASHBOARD_TOKEN"
"""The environment variable a token can be given in (unlike ``--token``, invisible in ``ps``)."""
MIN_TOKEN_CHARS = 16
REFUSAL = "Forbidden: open the URL with the token that pllm-notebook dashboard printed"
"""What a request without the token is answered (the whole page)."""


def is_loopback(address: str) -> bool:
    """Whether ``address`` is reachable from this machine only."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The access options of ``pllm-notebook dashboard``."""
    parser.add_argument(
        "--token",
        help=f"the token the page's URL must carry (default: a random one; {TOKEN_ENV} keeps it out of ps)",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="serve without a token: anyone who can reach the port reads every prompt (needs --i-know)",
    )
    parser.add_argument("--i-know", action="store_true", help="confirm --no-token")
    parser.add_argument(
        "--read-only", action="store_true", help="no invalidate buttons; their actions are refused"
    )


def token_from(args: argparse.Namespace) -> str | None:
    """The token to require (None: none, as asked with ``--no-token --i-know``), or a refusal to start.

    The environment variable is removed once read, so processes this one starts do not inherit it.
    """
    given = args.token if args.token is not None else os.environ.pop(TOKEN_ENV, None)
    where = f"--address {args.address}"
    if args.no_token:
        if given is not None:
            raise SystemExit(
                f"pllm-notebook dashboard: --no-token contradicts the token given ({TOKEN_ENV} or --token)"
            )
        if not args.i_know:
            raise SystemExit(
                "pllm-notebook dashboard: --no-token lets anyone who can reach the port read every prompt and "
                "answer in the directory and invalidate its cache; add --i-know if that is what you want"
            )
        return None
    if given is None:
        if not is_loopback(args.address):
            raise SystemExit(
                f"pllm-notebook dashboard: refusing {where} without a token: other machines can reach it, "
                f"and the page shows every prompt and answer. Set {TOKEN_ENV} (or --token) to a secret of "
                "your choosing, or pass --no-token --i-know to serve it to everyone"
            )
        return secrets.token_urlsafe(32)
    if len(given) < MIN_TOKEN_CHARS:
        raise SystemExit(
            f"pllm-notebook dashboard: the token must be at least {MIN_TOKEN_CHARS} characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(32))" makes one)'
        )
    return given


@dataclass(frozen=True)
class TokenGate:
    """Checks a request for the token (in the URL's ``token``, an ``Authorization: token`` header, or the
    cookie the first visit set) and that it comes from the dashboard's own origin."""

    token: str
    port: int

    @property
    def cookie_name(self) -> str:
        """One cookie per port: cookies are shared by every port of a host."""
        return f"pllm-dashboard-{self.port}"

    @property
    def cookie_value(self) -> str:
        """What the cookie holds: derived from the token, so the cookie never carries the token itself."""
        return hmac.new(self.token.encode(), b"pllm-dashboard-cookie", hashlib.sha256).hexdigest()

    def url(self, address: str) -> str:
        """The one URL that lets its holder in."""
        host = f"[{address}]" if ":" in address else address
        return f"http://{host}:{self.port}/?{urlencode({'token': self.token})}"

    def _given_token(self, handler: Any) -> str | None:
        header = handler.request.headers.get("Authorization", "")
        if header.lower().startswith("token "):
            return header[6:].strip()
        return handler.get_query_argument("token", None)

    def admits(self, handler: Any) -> bool:
        """Whether the request behind ``handler`` (a Tornado handler) may proceed; sets the cookie when it
        carried the token."""
        origin = handler.request.headers.get("Origin")
        if origin is not None and urlparse(origin).netloc.lower() != handler.request.host.lower():
            return False
        given = self._given_token(handler)
        if given is not None:
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return False
            handler.set_cookie(self.cookie_name, self.cookie_value, httponly=True, samesite="Strict")
            return True
        cookie = handler.get_cookie(self.cookie_name)
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.cookie_value.encode())


def auth_provider(gate: TokenGate) -> Any:
    """A Bokeh auth provider that answers every request ``gate`` does not admit with 403.

    Bokeh and Panel ask it in ``prepare()`` of every page, session, autoload and websocket handler, before
    anything is read or a websocket is upgraded. A page request that carried the token in its URL is
    sent on to the same URL without it (the cookie now lets it in).
    """
    from bokeh.server.auth_provider import AuthProvider
    from tornado.web import HTTPError
    from tornado.websocket import WebSocketHandler

    async def get_user(handler: Any) -> str:
        if not gate.admits(handler):
            raise HTTPError(403, reason=REFUSAL)
        if handler.get_query_argument("token", None) is not None and not isinstance(
            handler, WebSocketHandler
        ):
            rest = {k: v for k, v in handler.request.query_arguments.items() if k != "token"}
            query = urlencode([(k, x.decode()) for k, vs in rest.items() for x in vs])
            handler.redirect(handler.request.path + (f"?{query}" if query else ""))
        return "owner"

    def refuse(_handler: Any) -> str:
        raise HTTPError(403, reason=REFUSAL)

    class TokenAuth(AuthProvider):
        @property
        def get_user_async(self) -> Any:
            return get_user

        @property
        def get_login_url(self) -> Any:
            return refuse

    return TokenAuth()
