"""Fetching the inspectorate's pages over HTTP(S), with timeouts and a size limit: the PageFetcher port.

The watcher reads what a page on the internet points it at, so it keeps to the inspectorate's site: a
redirect to another site is not followed (nor is a listed report or a PDF there fetched: see reader.py),
and a whole page, however slowly it is sent, is read within the timeout."""

from __future__ import annotations

import ipaddress
import ssl
import time
from urllib.parse import urljoin, urlsplit

import httpx

from signoff.domain.report_reading import PublicationUnreadable
from signoff.service.ports import FetchedPage

USER_AGENT = "signoff publications watcher (a PCC office's response workflow)"
MAX_REDIRECTS = 10


def _host_and_port(url: str) -> tuple[str, int | None] | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    return (host, port) if host else None


def _parent(host: str) -> str | None:
    """The domain whose hosts count as one site: a name of four labels or more, less its first (never an
    address, and never a two- or three-label name such as example.com or gov.uk's own domains)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        return ".".join(labels[1:]) if len(labels) >= 4 else None
    return None


def same_site(url: str, other: str) -> bool:
    """Both addresses are http(s) on one site: the same host and port (http and https count as one), or
    hosts under one parent domain on the default port (hmicfrs.justiceinspectorates.gov.uk and
    assets-hmicfrs.justiceinspectorates.gov.uk are one site; a.gov.uk and b.gov.uk are not)."""
    first, second = _host_and_port(url), _host_and_port(other)
    if first is None or second is None:
        return False
    if first == second:
        return True
    parent = _parent(first[0])
    return first[1] is None and second[1] is None and parent is not None and parent == _parent(second[0])


class HttpFetcher:
    def __init__(self, timeout_seconds: float, max_bytes: int) -> None:
        self._seconds = timeout_seconds
        self._timeout = httpx.Timeout(timeout_seconds)
        self._max_bytes = max_bytes
        # Made once, on the first https fetch, for every later one: loading the trusted certificates took
        # some 20 ms of CPU per page, and a run fetches each new report's page and PDF.
        self._tls: ssl.SSLContext | None = None

    def fetch(self, url: str) -> FetchedPage:
        if not url.startswith(("https://", "http://")):
            raise PublicationUnreadable(f"{url}: only http and https addresses are read")
        deadline = time.monotonic() + self._seconds

        def stay_on_site(response: httpx.Response) -> None:
            if response.is_redirect:
                target = urljoin(str(response.request.url), response.headers.get("location", ""))
                if not same_site(url, target):
                    raise PublicationUnreadable(
                        f"{url}: redirected to another site ({target[:200]}); not followed"
                    )

        try:
            with (
                httpx.Client(
                    verify=self._trusted(),
                    timeout=self._timeout,
                    follow_redirects=True,
                    max_redirects=MAX_REDIRECTS,
                    headers={"User-Agent": USER_AGENT},
                    event_hooks={"response": [stay_on_site]},
                ) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != httpx.codes.OK:
                    raise PublicationUnreadable(f"{url}: the server answered {response.status_code}")
                content = bytearray()
                for chunk in response.iter_bytes():
                    content.extend(chunk)
                    if len(content) > self._max_bytes:
                        raise PublicationUnreadable(f"{url}: larger than {self._max_bytes} bytes; not read")
                    if time.monotonic() > deadline:
                        # Each read is timed by httpx; a page sent a byte at a time would never end.
                        raise PublicationUnreadable(f"{url}: no answer within {self._seconds:g} seconds")
                return FetchedPage(
                    url=str(response.url),
                    content_type=response.headers.get("content-type", ""),
                    content=bytes(content),
                )
        except httpx.TimeoutException:
            raise PublicationUnreadable(f"{url}: no answer within {self._seconds:g} seconds") from None
        except httpx.TooManyRedirects:
            raise PublicationUnreadable(
                f"{url}: more than {MAX_REDIRECTS} redirects (a redirect loop?); not read"
            ) from None
        except httpx.HTTPError as error:
            raise PublicationUnreadable(
                f"{url}: could not be fetched ({type(error).__name__}: {error})"
            ) from None

    def _trusted(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = httpx.create_ssl_context()  # httpx's own default: certifi's roots
        return self._tls
