"""What keeps a local web app local: the Host check, the access token, CSRF and read-only.

A page on any web site can make the browser send requests to 127.0.0.1, and a DNS-rebinding page
can even read the answers (its own name then points at 127.0.0.1). So every request must carry a
Host header naming this server (a rebinding page's requests carry the attacker's domain name),
every change is a POST with a token that only pages served here contain, and a server reachable
from other machines (`--host`) asks for a random token that only the person who started it saw.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def url_host(host: str) -> str:
    """The host as written in a URL or Host header: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass
class Guard:
    """The rules for one running server. `host` is the address it listens on; `token` is set
    when it listens beyond loopback; `csrf` is embedded in every form it serves."""

    host: str = "127.0.0.1"
    port: int = 0
    read_only: bool = False
    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _names: frozenset = frozenset()

    @classmethod
    def for_host(cls, host: str | None, *, read_only: bool = False) -> Guard:
        """Loopback by default; an explicit non-loopback address also requires a token."""
        host = host or "127.0.0.1"
        token = None if is_loopback(host) else secrets.token_urlsafe(24)
        return cls(host=host, read_only=read_only, token=token)

    def bind(self, port: int) -> None:
        """Record the port actually listened on (port 0 picks a free one) and the names a Host
        header may use: loopback names, the explicit host and, for a wildcard address, this
        machine's names. Any IP literal is also fine for a wildcard bind: DNS rebinding needs
        a domain name, so a Host that is a bare address cannot come from it."""
        self.port = port
        names = {n.lower() for n in LOOPBACK_NAMES}
        if self.host not in WILDCARD:
            names.add(url_host(self.host).lower())
        else:
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        self._names = frozenset(names)

    def host_ok(self, header: str | None) -> bool:
        """The request's Host header names this server (name and port)."""
        if not header:
            return False
        name, sep, port = header.strip().lower().rpartition(":")
        if not sep or "]" in port or port != str(self.port):
            return False
        if name in self._names:
            return True
        return self.host in WILDCARD and _ip_literal(name)

    def origin_ok(self, origin: str | None) -> bool:
        """A browser's Origin header (sent with POSTs), when present, is this server."""
        if origin is None:
            return True
        scheme, sep, rest = origin.partition("://")
        return bool(sep) and scheme == "http" and self.host_ok(rest.rstrip("/"))

    def token_ok(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def csrf_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())

    def url(self) -> str:
        """The address to print: with the token when one is required."""
        shown = "127.0.0.1" if self.host in WILDCARD else url_host(self.host)
        base = f"http://{shown}:{self.port}/"
        return base + (f"?token={self.token}" if self.token else "")

    @property
    def token_cookie(self) -> str:
        # Cookies are shared by every port of a host: the name carries the port so that two
        # dashboards on one machine do not overwrite each other's token.
        return f"shoetrack_token_{self.port}"
