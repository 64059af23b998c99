"""The inspectorate's publications listing, as an HTML page or an Atom or RSS feed: its items, newest first,
and the address of its next (older) page where it links one.

An HTML page is parsed by selectolax; a feed by the standard library's XML parser behind defusedxml (a
feed comes from the internet: no entity expansion, no external references). Either way a listing that
holds no publication at all is refused, naming the address, rather than read as "nothing new".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from selectolax.lexbor import LexborHTMLParser

from signoff.adapters.publications.dates import day_in_england, published_day
from signoff.adapters.publications.report_page import text_of
from signoff.domain.errors import InvalidInput
from signoff.domain.report_reading import ListedReport

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class ListingPage:
    """One page of the listing: its reports, and the address of its next (older) page if it links one."""

    reports: list[ListedReport]
    next_page: str | None


def read_listing(content: bytes, content_type: str, url: str) -> list[ListedReport]:
    """The listing's reports; InvalidInput naming the address when it is not a listing this can read."""
    return read_listing_page(content, content_type, url).reports


def read_listing_page(content: bytes, content_type: str, url: str) -> ListingPage:
    """The page's reports and its next page, from one parse of it; InvalidInput naming the address when it
    is not a listing this can read.

    The next page is an HTML page's `rel="next"` link or its pagination's "Next" or "Older" link; a
    feed's `<link rel="next">` (RFC 5005, Atom, or atom:link in RSS)."""
    kind = content_type.split(";")[0].strip().lower()
    head = content.lstrip()[:200].lower()
    if kind.endswith(("xml", "atom+xml", "rss+xml")) or head.startswith(b"<?xml") or b"<feed" in head:
        root = _feed_root(content, url)
        page = ListingPage(_feed(root, url), _feed_next(root, url))
    else:
        tree = LexborHTMLParser(content.decode("utf-8", errors="replace"))
        page = ListingPage(_page(tree, url), _page_next(tree, url))
    if not page.reports:
        raise InvalidInput(f"{url}: no publications found: the listing is empty or not one the reader knows")
    return page


def next_page(content: bytes, content_type: str, url: str) -> str | None:
    """The address of the listing's next (older) page, or None when it links none or is not a listing
    (read_listing says why)."""
    try:
        return read_listing_page(content, content_type, url).next_page
    except InvalidInput:
        return None


def _page(tree: LexborHTMLParser, url: str) -> list[ListedReport]:
    reports: list[ListedReport] = []
    # A set, not a scan of the reports so far: a listing of a few megabytes holds tens of thousands of
    # cards, and a scan per card took minutes of CPU (hours at max_bytes) before the run read anything.
    listed: set[str] = set()
    for card in tree.css(".publication-list__item, .publication-card, article.publication-item"):
        link = card.css_first("h2 a[href], h3 a[href], a.publication-card__link[href]")
        if link is None:
            continue
        address = urljoin(url, str(link.attributes.get("href")))
        if address in listed:
            continue  # the item and the card inside it
        listed.add(address)
        when = card.css_first("time[datetime]")
        kind = card.css_first(".publication-card__type")
        reports.append(
            ListedReport(
                url=address,
                title=text_of(link),
                published=_day(when.attributes.get("datetime") if when is not None else None),
                type_label=text_of(kind) if kind is not None else None,
            )
        )
    return reports


def _page_next(tree: LexborHTMLParser, url: str) -> str | None:
    for selector in ('link[rel~="next"][href]', 'a[rel~="next"][href]', "a.next[href]"):
        node = tree.css_first(selector)
        if node is not None:
            return urljoin(url, str(node.attributes.get("href")))
    for link in tree.css(".pagination a[href], nav[aria-label] a[href]"):
        if text_of(link).lower().startswith(("next", "older")):
            return urljoin(url, str(link.attributes.get("href")))
    return None


def _feed_root(content: bytes, url: str) -> Element:
    try:
        root: Element = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise InvalidInput(f"{url}: the feed is not well-formed XML ({error})") from None
    except Exception as error:  # defusedxml's refusals: entities, external references
        raise InvalidInput(f"{url}: the feed was refused: {type(error).__name__}") from None
    return root


def _feed(root: Element, url: str) -> list[ListedReport]:
    if root.tag == f"{ATOM}feed":
        return [_atom_entry(entry, url) for entry in root.findall(f"{ATOM}entry") if _atom_link(entry)]
    if root.tag == "rss":
        return [_rss_item(item, url) for item in root.iter("item") if (item.findtext("link") or "").strip()]
    raise InvalidInput(f"{url}: the feed is neither Atom nor RSS (its root is <{root.tag}>)")


def _feed_next(root: Element, url: str) -> str | None:
    channel = root.find("channel") if root.tag == "rss" else root
    links = channel.findall(f"{ATOM}link") if channel is not None else []
    found = next((link.get("href") for link in links if link.get("rel") == "next" and link.get("href")), None)
    return urljoin(url, found) if found else None


def _atom_link(entry: Element) -> str | None:
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _atom_entry(entry: Element, url: str) -> ListedReport:
    category = entry.find(f"{ATOM}category")
    return ListedReport(
        url=urljoin(url, _atom_link(entry) or ""),
        title=" ".join((entry.findtext(f"{ATOM}title") or "").split()) or "(untitled)",
        published=_day(entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated")),
        type_label=category.get("term") if category is not None else None,
    )


def _rss_item(item: Element, url: str) -> ListedReport:
    printed = item.findtext("pubDate")
    published = None
    if printed:
        try:
            # RFC 822 dates, as RSS prints them: 'Tue, 14 Oct 2025 00:01:00 +0100'.
            published = day_in_england(parsedate_to_datetime(printed.strip()), naive_is_utc=True)
        except (TypeError, ValueError):
            published = None
    return ListedReport(
        url=urljoin(url, (item.findtext("link") or "").strip()),
        title=" ".join((item.findtext("title") or "").split()) or "(untitled)",
        published=published,
        type_label=item.findtext("category"),
    )


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return published_day(value)
    except ValueError:
        return None
