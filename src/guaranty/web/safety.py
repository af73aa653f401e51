"""What the workbench does against hostile web pages and leaky errors (docs/web.md, Security).

* :func:`csp`: the Content-Security-Policy (a page with figures adds their scripts' hashes);
* :class:`Guard` (ASGI middleware): a request whose ``Host`` header is not this machine's
  loopback name (``127.0.0.1``, ``localhost``, ``[::1]``, any port) or one of the allowed
  hosts is refused with 400 (a page of another site cannot reach the server through DNS
  rebinding); a state-changing request (POST, PUT, PATCH, DELETE) sent by a page of another
  origin (its ``Origin`` header, or without one its ``Sec-Fetch-Site`` header, says so) is
  refused with 403; every response gets the security headers (:data:`SECURITY_HEADERS`;
  a response that sets its own Content-Security-Policy keeps it).
* :func:`scrub`: an error message without absolute paths or process ids, for a response body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

__all__ = ["CSP", "LOOPBACK", "SECURITY_HEADERS", "Guard", "csp", "normalize_host", "scrub"]

#: the Host names always answered: the loopback address, by name and number
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


def csp(scripts: Iterable[str] = ()) -> str:
    """The Content-Security-Policy: the pages load their own scripts, styles, plotly (served
    from /static/) and the API, nothing from another origin. An inline script runs only when
    ``scripts`` lists its hash (``'sha256-...'``): a page allows the figure scripts it made
    itself (pages.py), never one that found its way into the page otherwise. Plotly sets
    inline styles on what it draws, hence 'unsafe-inline' for styles (and styles only); its
    "download plot as png" makes a data: image."""
    return "; ".join(
        [
            "default-src 'none'",
            " ".join(["script-src 'self'", *scripts]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )


#: the policy of every response but the pages with figures: no inline script at all
CSP = csp()

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")


def _split(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` (a Host header, or the part of an Origin after ``scheme://``) as
    (lower-case host, port or None); None when it is not well formed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        host, rest = value[: end + 1], value[end + 1 :]
        if end < 0 or not _IPV6.match(host):
            return None
    else:
        host, sep, port = value.partition(":")
        rest = sep + port
        if not _NAME.match(host):
            return None
    if not rest:
        return host, None
    if rest[0] != ":" or not rest[1:].isdigit() or len(rest) > 6 or int(rest[1:]) > 65535:
        return None
    return host, int(rest[1:])


def normalize_host(name: str) -> str:
    """An allowed host as the Host header spells it (lower case, IPv6 in brackets, no port);
    ValueError when it is not a host name or address."""
    name = name.strip().lower()
    if ":" in name and not name.startswith("["):
        if name.count(":") > 1:  # an IPv6 address without its brackets
            name = f"[{name}]"
    got = _split(name)
    if got is None:
        raise ValueError(f"not a host name or address: {name!r}")
    return got[0]


def _json(status: int, message: str) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"error": message}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *_RAW_HEADERS,
        ],
    }
    return start, body


class Guard:
    """ASGI middleware: Host and Origin checks, and the security headers on every response."""

    def __init__(self, app: Any, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = LOOPBACK | {normalize_host(h) for h in allowed_hosts}

    async def _refuse(self, send: Any, status: int, message: str) -> None:
        start, body = _json(status, message)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def problem(self, scope: dict[str, Any]) -> tuple[int, str] | None:
        """(status, message) when the request is refused; None when it may go on."""
        headers: dict[bytes, bytes] = {}
        for k, v in scope.get("headers") or []:
            headers.setdefault(k.lower(), v)
        host = headers.get(b"host", b"").decode("latin-1")
        where = _split(host) if host else None
        if where is None or where[0] not in self.allowed:
            return 400, (
                "unknown Host header: the workbench answers to its loopback address "
                "(127.0.0.1, localhost, [::1]) and to the hosts given with --allowed-host"
            )
        if scope.get("method", "GET").upper() not in _UNSAFE:
            return None
        refused = (
            403,
            "cross-origin request refused: a page of another site may not change the "
            "workbench's scenarios or runs",
        )
        origin = headers.get(b"origin")
        if origin is not None and not _same_origin(origin.decode("latin-1"), where, scope):
            return refused
        site = headers.get(b"sec-fetch-site")
        if site is not None and site.decode("latin-1").lower() not in ("same-origin", "none"):
            return refused
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self.problem(scope)
        if problem is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await self._refuse(send, *problem)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _RAW_HEADERS if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def _same_origin(origin: str, host: tuple[str, int | None], scope: dict[str, Any]) -> bool:
    """Whether the ``Origin`` header names the server the request was sent to (its Host)."""
    scheme, sep, rest = origin.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https") or "/" in rest or "@" in rest:
        return False  # includes "null": a sandboxed frame, a file:// page, a redirect
    got = _split(rest)
    if got is None:
        return False
    default = 443 if scheme == "https" else 80
    o_host, o_port = got[0], got[1] or default
    h_host, h_port = host
    if h_port is None:  # no port in Host: the scheme's default port (a proxy in front, say)
        return o_host == h_host and got[1] in (None, default)
    return o_host == h_host and o_port == h_port


_ABS_PATH = re.compile(r"(?<![\w.~:/-])/(?:[^\s/'\"`:,;()<>|]+/)+[^\s/'\"`:,;()<>|]*")
_PID = re.compile(r"\s*\(?\bpid\b[\s:=#]*\d+\)?", re.IGNORECASE)


def scrub(text: str, *, known: Iterable[str] = ()) -> str:
    """``text`` with the paths in ``known`` (e.g. the store's) and any other absolute path cut
    down to their last part, and process ids left out: safe to show to a web client."""
    for path in sorted({p for p in known if p and p.startswith("/")}, key=len, reverse=True):
        text = text.replace(path, PurePosixPath(path).name or "/")
    text = _ABS_PATH.sub(lambda m: PurePosixPath(m.group(0)).name or "/", text)
    return _PID.sub("", text)
