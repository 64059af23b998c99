"""The inspectorate's publications listing, as an HTML page or an Atom or RSS feed: its items, newest first,
and the address of its next (older) page where it links one.

An HTML page is parsed by selectolax; a feed by the standard library's XML parser behind defusedxml (a
feed comes from the internet: no entity expansion, no external references). Either way a listing that
holds no publication at all is refused, naming the address, rather than read as "nothing new".
"""

from __future__ import annotations

from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from selectolax.lexbor import LexborHTMLParser

from signoff.adapters.publications.report_page import text_of
from signoff.domain.errors import InvalidInput
from signoff.domain.report_reading import ListedReport

ATOM = "{http://www.w3.org/2005/Atom}"


def read_listing(content: bytes, content_type: str, url: str) -> list[ListedReport]:
    """The listing's reports; InvalidInput naming the address when it is not a listing this can read."""
    kind = content_type.split(";")[0].strip().lower()
    head = content.lstrip()[:200].lower()
    if kind.endswith(("xml", "atom+xml", "rss+xml")) or head.startswith(b"<?xml") or b"<feed" in head:
        reports = _feed(content, url)
    else:
        reports = _page(content.decode("utf-8", errors="replace"), url)
    if not reports:
        raise InvalidInput(f"{url}: no publications found: the listing is empty or not one the reader knows")
    return reports


def next_page(content: bytes, content_type: str, url: str) -> str | None:
    """The address of the listing's next (older) page, where it links one: an HTML page's `rel="next"`
    link or its pagination's "Next" or "Older" link; a feed's `<link rel="next">` (RFC 5005, Atom, or
    atom:link in RSS). None when it links none, or the XML does not parse (read_listing says why)."""
    kind = content_type.split(";")[0].strip().lower()
    head = content.lstrip()[:200].lower()
    if kind.endswith(("xml", "atom+xml", "rss+xml")) or head.startswith(b"<?xml") or b"<feed" in head:
        try:
            root = ElementTree.fromstring(content)
        except Exception:  # malformed, or refused by defusedxml: read_listing names the problem
            return None
        channel = root.find("channel") if root.tag == "rss" else root
        links = channel.findall(f"{ATOM}link") if channel is not None else []
        found = next(
            (link.get("href") for link in links if link.get("rel") == "next" and link.get("href")), None
        )
        return urljoin(url, found) if found else None
    tree = LexborHTMLParser(content.decode("utf-8", errors="replace"))
    for selector in ('link[rel~="next"][href]', 'a[rel~="next"][href]', "a.next[href]"):
        node = tree.css_first(selector)
        if node is not None:
            return urljoin(url, str(node.attributes.get("href")))
    for link in tree.css(".pagination a[href], nav[aria-label] a[href]"):
        words = text_of(link).lower()
        if words.startswith(("next", "older")):
            return urljoin(url, str(link.attributes.get("href")))
    return None


def _page(html: str, url: str) -> list[ListedReport]:
    tree = LexborHTMLParser(html)
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


def _feed(content: bytes, url: str) -> list[ListedReport]:
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise InvalidInput(f"{url}: the feed is not well-formed XML ({error})") from None
    except Exception as error:  # defusedxml's refusals: entities, external references
        raise InvalidInput(f"{url}: the feed was refused: {type(error).__name__}") from None
    if root.tag == f"{ATOM}feed":
        return [_atom_entry(entry, url) for entry in root.findall(f"{ATOM}entry") if _atom_link(entry)]
    if root.tag == "rss":
        return [_rss_item(item, url) for item in root.iter("item") if (item.findtext("link") or "").strip()]
    raise InvalidInput(f"{url}: the feed is neither Atom nor RSS (its root is <{root.tag}>)")


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
            published = parsedate_to_datetime(printed.strip()).date()
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
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
