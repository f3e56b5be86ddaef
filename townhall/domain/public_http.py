"""An httpx transport that connects to public addresses only (#5, webhooks' SSRF guard).

The address is checked where the socket is opened, for every connection: a host name that
was public when the admin added the webhook and resolves to 127.0.0.1 or 10.x now (DNS
rebinding) is refused before a byte is sent. TLS still verifies the certificate against
the host name, since only the TCP connect is redirected to the checked address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

import anyio
import httpcore
import httpx

from townhall.domain.webhooks import Address, is_public, refusal


class PublicOnlyBackend(httpcore.AnyIOBackend):
    def __init__(self, allowed: Callable[[Address], bool] = is_public) -> None:
        self.allowed = allowed

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        for address in addresses:
            if not self.allowed(address):
                raise httpcore.ConnectError(refusal(host, address))
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:  # each checked one in turn, as a browser would
            try:
                return await super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                failure = error
        raise failure


class PublicOnlyTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (exceptions, streams, TLS) over a pool whose connections go
    through ``PublicOnlyBackend``."""

    def __init__(self, allowed: Callable[[Address], bool] = is_public) -> None:
        super().__init__()
        # Replacing the pool is the one way in: httpx does not take a network backend.
        # Fails loudly, not open, if a future httpx renames it.
        assert isinstance(self._pool, httpcore.AsyncConnectionPool)  # noqa: S101
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=PublicOnlyBackend(allowed),
        )
