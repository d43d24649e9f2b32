"""Forwarded headers believed only from the reverse proxies the deployment names.

Behind a proxy that terminates TLS, the client's address (login throttling per address, the
audit journal) and scheme (secure cookies, HSTS) come from `X-Forwarded-For/Proto/Host`. Anyone
can send those headers, though: believed from a client reaching the server directly, a rotating
`X-Forwarded-For` escapes the per-address lock and writes forged addresses into the journal.

So they are read only when the request's peer is one of `QUIZ_TRUSTED_PROXIES` (addresses or
networks, comma-separated; default none). The client is then the rightmost address of
`X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the peer it saw). From
any other peer, every forwarded header is removed before the application sees the request.
The entry `unix` trusts requests that came through gunicorn's Unix socket (they have no peer
address; only what can open the socket, i.e. the proxy on the same machine, reaches it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
UNIX = "unix"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network | str


def parse_networks(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """`"10.0.0.5, 192.168.0.0/24, ::1, unix"` as networks; a bad entry raises ValueError at start-up."""
    items = [item.strip() for item in (value.split(",") if isinstance(value, str) else list(value or ()))]
    return tuple(UNIX if item == UNIX else ipaddress.ip_network(item, strict=False) for item in items if item)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(network != UNIX and address in network for network in networks)


def _last(value: str) -> str:
    return value.split(",")[-1].strip()


class TrustedProxies:
    """WSGI middleware applying the rule above; `networks` empty means no proxy is trusted."""

    def __init__(self, app, networks: tuple[Network, ...]):
        self.app = app
        self.networks = networks

    def __call__(self, environ, start_response):
        forwarded = {name: environ.pop(name) for name in FORWARDED_HEADERS if name in environ}
        peer = environ.get("REMOTE_ADDR") or ""
        if (not peer and UNIX in self.networks) or _trusted(_address(peer), self.networks):
            self._apply(environ, forwarded)
        return self.app(environ, start_response)

    def _apply(self, environ, forwarded: dict[str, str]) -> None:
        chain = [_address(part) for part in forwarded.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        for address in reversed(chain):
            if address is None:
                break  # garbage in the chain: keep the proxy's own address rather than guess
            environ["REMOTE_ADDR"] = str(address)
            if not _trusted(address, self.networks):
                break
        proto = _last(forwarded.get("HTTP_X_FORWARDED_PROTO", "")).lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
        host = _last(forwarded.get("HTTP_X_FORWARDED_HOST", ""))
        if host:
            environ["HTTP_HOST"] = host
            environ["SERVER_NAME"], _, port = host.partition(":")
            environ["SERVER_PORT"] = port or ("443" if environ.get("wsgi.url_scheme") == "https" else "80")


def init_app(app) -> None:
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(app.config.get("TRUSTED_PROXIES")))
