"""Fetching the inspectorate's pages over HTTP(S), with timeouts and a size limit: the PageFetcher port."""

from __future__ import annotations

import httpx

from signoff.domain.report_reading import PublicationUnreadable
from signoff.service.ports import FetchedPage

USER_AGENT = "signoff publications watcher (a PCC office's response workflow)"


class HttpFetcher:
    def __init__(self, timeout_seconds: float, max_bytes: int) -> None:
        self._timeout = httpx.Timeout(timeout_seconds)
        self._max_bytes = max_bytes

    def fetch(self, url: str) -> FetchedPage:
        if not url.startswith(("https://", "http://")):
            raise PublicationUnreadable(f"{url}: only http and https addresses are read")
        try:
            with (
                httpx.Client(
                    timeout=self._timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
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
                return FetchedPage(
                    url=str(response.url),
                    content_type=response.headers.get("content-type", ""),
                    content=bytes(content),
                )
        except httpx.TimeoutException:
            raise PublicationUnreadable(f"{url}: no answer within {self._timeout.read} seconds") from None
        except httpx.HTTPError as error:
            raise PublicationUnreadable(
                f"{url}: could not be fetched ({type(error).__name__}: {error})"
            ) from None
