"""Security headers on every answer, added in one place (issue #8).

Pages (the demo article, the mail-link pages, the dashboard) get a strict
Content-Security-Policy: scripts only from this server, no inline script, no plugins, no
framing by other sites. JSON answers get a policy that lets nothing run should a browser
ever render one. The widget's files are loaded by publishers' pages on other origins, so
they get no framing or resource policy that would stop that. HSTS is sent when the
request arrived over https (or the public URL is https).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Inline <style> stays allowed: the demo page and the mail-link pages carry their CSS
# inline, and a style cannot run code. Scripts, frames, plugins, forms and connections are
# limited to this server.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
HSTS = "max-age=31536000"
# The interactive API docs load Swagger UI from a CDN with an inline script; they get
# no page policy (they show only the public OpenAPI document).
UNPOLICED = ("/api/docs", "/docs/oauth2-redirect")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, public_url: str = "") -> None:
        self.app = app
        self.https_public = public_url.lower().startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = self.https_public or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                media = dict(headers).get(b"content-type", b"").split(b";")[0].strip().lower()
                extra = headers_for(path, media.decode("latin-1"), https, message["status"])
                headers += [(k.encode(), v.encode()) for k, v in extra if k.encode() not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def headers_for(
    path: str, media_type: str, https: bool, status: int = 200
) -> list[tuple[str, str]]:
    """The security headers one answer gets (lower-case names)."""
    headers = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ]
    if https:
        headers.append(("strict-transport-security", HSTS))
    # A 304 carries no content type, and its headers replace the cached page's: a policy
    # chosen for it would be the API's and would stop the cached page's scripts.
    if path.startswith("/widget/") or path in UNPOLICED or status == 304:
        return headers
    if media_type == "text/html":
        headers += [("content-security-policy", PAGE_POLICY), ("x-frame-options", "DENY")]
    else:
        headers.append(("content-security-policy", API_POLICY))
    return headers
