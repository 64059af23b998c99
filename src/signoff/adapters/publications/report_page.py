"""A report's publication page read into a ReportReading: its meta list, grades table and findings.

The page is parsed by an HTML parser (selectolax's Lexbor), never matched with patterns. What the page
shows is taken as printed; what it does not show for certain is left out and flagged (report_reading).
Where the findings are only in the report's PDF, `findings_from_pdf_text` reads them from its text.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from signoff.adapters.publications.dates import published_day
from signoff.adapters.publications.finding_words import FindingReader, heading, paragraphs
from signoff.adapters.publications.names import OrganisationNames, plain
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import FindingKind, Grade, GradeValue, InspectionType, Inspectorate
from signoff.domain.report_reading import ReadingFlag, ReportReading

TYPE_WORDS: dict[str, InspectionType] = {
    "peel": InspectionType.PEEL,
    "regional organised crime": InspectionType.REGIONAL_SOC,
    "regional serious and organised crime": InspectionType.REGIONAL_SOC,
    "national thematic": InspectionType.NATIONAL_THEMATIC,
    "thematic": InspectionType.NATIONAL_THEMATIC,
    "joint thematic": InspectionType.JOINT_THEMATIC,
    "joint inspection": InspectionType.JOINT_THEMATIC,
    "child protection": InspectionType.CHILD_PROTECTION,
    "national child protection": InspectionType.CHILD_PROTECTION,
    "custody": InspectionType.CUSTODY,
    "pcc-commissioned": InspectionType.PCC_COMMISSIONED,
    "progress review": InspectionType.PROGRESS_REVIEW,
    "revisit": InspectionType.PROGRESS_REVIEW,
}
# Publications that are not inspection reports: nobody responds to them.
NOT_REPORTS = frozenset(
    {"consultation", "inspection programme", "corporate", "news", "speech", "annual plan"}
)
INSPECTORATE_WORDS: dict[str, Inspectorate] = {
    **{plain(i.short_name): i for i in Inspectorate},
    **{plain(i.full_name): i for i in Inspectorate},
}


def text_of(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ").split())


def read_report_page(html: str, url: str, names: OrganisationNames) -> ReportReading:
    """The report as its page shows it; InvalidInput naming what is missing when the page is no report page."""
    tree = LexborHTMLParser(html)
    article = tree.css_first("article.publication") or tree.css_first("main") or tree.body
    if article is None:
        raise InvalidInput(f"{url}: the page has no content to read")
    title_node = article.css_first("h1")
    if title_node is None or not text_of(title_node):
        raise InvalidInput(f"{url}: the page has no title (no h1 heading): is it a report's page?")
    meta = _meta(article)
    published = _published(meta.get("published"), url)
    flags: list[ReadingFlag] = []
    type_label = text_of(meta["publication type"]) if "publication type" in meta else None
    report_type = _type(type_label, flags)
    covered, others = _organisations(meta, names)
    single_force = covered[0] if len(covered) == 1 else None
    reader = FindingReader(names, single_force, several=len(covered) > 1)
    for section in article.css("section.publication__findings"):
        for finding in _direct(section, "div"):
            if "finding" in _classes(finding):
                _read_finding(finding, reader, None)
    pdf = article.css_first("a[href$='.pdf']")
    return ReportReading(
        report_url=url,
        title=text_of(title_node),
        published=published,
        type=report_type,
        type_label=type_label,
        inspectorates=_inspectorates(meta.get("inspectorates"), flags),
        covered=covered,
        named=sorted(set(names.named_in(text_of(article))) - set(covered)),
        other_forces=others,
        grades=_grades(article, names, single_force, flags),
        findings=reader.findings,
        flags=[*flags, *reader.flags],
        pdf_url=urljoin(url, str(pdf.attributes.get("href"))) if pdf is not None else None,
    )


def findings_from_pdf_text(reading: ReportReading, text: str, names: OrganisationNames) -> ReportReading:
    """The reading with the findings its PDF's text holds, for a page that shows none."""
    single_force = reading.covered[0] if len(reading.covered) == 1 else None
    reader = FindingReader(names, single_force, several=len(reading.covered) > 1)
    current: tuple[str, list[str]] | None = None
    # None between blocks: a section's title ("Recommendations"), after which nothing answers the cause above.
    blocks: list[tuple[str, list[str]] | None] = []
    for line in text.splitlines():
        found = heading(line)
        if (found is not None and found.number is not None) or line.strip().lower() == "cause of concern":
            current = (line.strip(), [])
            blocks.append(current)
        elif current is not None and line.strip() and _section_title(line):
            blocks.append(None)
        elif current is not None and line.strip():
            current[1].append(line)
    cause: str | None = None  # the cause of concern the recommendations printed under it answer
    for block in blocks:
        if block is None:
            cause = None
            continue
        printed, lines = block
        found = heading(printed)
        parts = paragraphs(lines)
        if found is None or not parts:
            reader.unplaced(printed, "\n".join(lines))
            continue
        is_recommendation = found.kind is FindingKind.RECOMMENDATION
        added = reader.add(found, parts[0], "\n\n".join(parts[1:]), cause if is_recommendation else None)
        if found.kind is FindingKind.CAUSE_OF_CONCERN:
            cause = added.ref if added is not None else None
        elif not is_recommendation:
            cause = None
    if not blocks:
        reader.flags.append(
            ReadingFlag(
                where="the report's PDF",
                problem="no findings were found in its text: enter them by hand if the report has any",
            )
        )
    return reading.model_copy(update={"findings": reader.findings, "flags": [*reading.flags, *reader.flags]})


def _section_title(line: str) -> bool:
    return plain(line) in {
        "recommendations",
        "areas for improvement",
        "causes of concern",
        "cause of concern",
    }


def _read_finding(node: LexborNode, reader: FindingReader, answers: str | None) -> None:
    head = next(iter(_direct(node, "h3") + _direct(node, "h4")), None)
    printed = text_of(head) if head is not None else ""
    text_nodes = [p for p in _direct(node, "p") if "finding__text" in _classes(p)] or _direct(node, "p")
    text = text_of(text_nodes[0]) if text_nodes else ""
    explanation = "\n\n".join(
        _block_text(part) for part in _direct(node, "div") if "finding__explanation" in _classes(part)
    )
    found = heading(printed)
    if found is None or not text:
        reader.unplaced(printed or "a finding with no heading", text)
        return
    finding = reader.add(found, text, explanation, answers)
    for nested in _direct(node, "div"):
        if "finding" in _classes(nested):
            _read_finding(nested, reader, finding.ref if finding is not None else None)


def _block_text(node: LexborNode) -> str:
    """An explanation as the intake keeps it: paragraphs apart, a list's items as '- item'."""
    parts: list[str] = []
    for child in node.iter():
        if child.tag in ("ul", "ol"):
            parts.append("\n".join(f"- {text_of(item)}" for item in child.css("li")))
        elif child.tag != "-text" or text_of(child):
            parts.append(text_of(child))
    return "\n\n".join(part for part in parts if part)


def _direct(node: LexborNode, tag: str) -> list[LexborNode]:
    return [child for child in node.iter() if child.tag == tag]


def _classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def _meta(article: LexborNode) -> dict[str, LexborNode]:
    """The page's meta list, by its terms in lower case: 'published', 'publication type', 'forces', ..."""
    found: dict[str, LexborNode] = {}
    listing = article.css_first("dl.publication__meta") or article.css_first("dl")
    if listing is None:
        return found
    term: str | None = None
    for child in listing.iter():
        if child.tag == "dt":
            term = text_of(child).lower().rstrip(":")
        elif child.tag == "dd" and term is not None:
            found[term] = child
    return found


def _published(node: LexborNode | None, url: str) -> date:
    when = node.css_first("time") if node is not None else None
    value = when.attributes.get("datetime") if when is not None else None
    if not value:
        raise InvalidInput(f"{url}: the page does not say when the report was published (no Published date)")
    try:
        return published_day(value)
    except ValueError:
        raise InvalidInput(f"{url}: the publication date {value!r} is not a date") from None


def _type(label: str | None, flags: list[ReadingFlag]) -> InspectionType | None:
    if label is None:
        flags.append(ReadingFlag(where="Publication type", problem="the page does not say: choose the type"))
        return InspectionType.OTHER
    found = TYPE_WORDS.get(plain(label))
    if found is not None:
        return found
    if plain(label) in NOT_REPORTS:
        return None
    flags.append(
        ReadingFlag(where="Publication type", problem=f"'{label}' is not a type the reader knows: choose it")
    )
    return InspectionType.OTHER


def _organisations(meta: dict[str, LexborNode], names: OrganisationNames) -> tuple[list[str], list[str]]:
    covered: list[str] = []
    others: list[str] = []
    for term in ("forces", "forces inspected", "forces and units", "regional units"):
        node = meta.get(term)
        if node is None:
            continue
        for item in node.css("li") or [node]:
            printed = text_of(item)
            key = names.key(printed)
            if key is None:
                others.append(printed)
            elif key not in covered:
                covered.append(key)
    return covered, others


def _inspectorates(node: LexborNode | None, flags: list[ReadingFlag]) -> list[Inspectorate]:
    if node is None:
        return [Inspectorate.HMICFRS]
    found: list[Inspectorate] = []
    for item in node.css("li") or [node]:
        inspectorate = INSPECTORATE_WORDS.get(plain(text_of(item)))
        if inspectorate is None:
            flags.append(
                ReadingFlag(
                    where="Inspectorates",
                    problem=f"'{text_of(item)}' is not an inspectorate the reader knows",
                )
            )
        elif inspectorate not in found:
            found.append(inspectorate)
    # HMICFRS first, as the response names it.
    return sorted(found, key=lambda i: i is not Inspectorate.HMICFRS) or [Inspectorate.HMICFRS]


def _grades(
    article: LexborNode, names: OrganisationNames, single_force: str | None, flags: list[ReadingFlag]
) -> list[Grade]:
    table = article.css_first("table.grades")
    if table is None:
        return []
    headers = [text_of(cell).lower() for cell in table.css("thead th")]
    grades: list[Grade] = []
    for row in table.css("tbody tr"):
        cells = dict(zip(headers, (text_of(cell) for cell in row.css("td")), strict=False))
        area, printed = cells.get("area", ""), cells.get("grade", "")
        who = cells.get("force or unit")
        organisation = names.key(who) if who else single_force
        where = f"Grade: {who + ', ' if who else ''}{area}"
        value = printed.strip().lower().replace(" ", "_")
        if value not in {g.value for g in GradeValue}:
            flags.append(
                ReadingFlag(where=where, problem=f"'{printed}' is not a grade on the five-point scale")
            )
            continue
        if who and organisation is None:
            flags.append(ReadingFlag(where=where, problem=f"'{who}' is not a force or unit in the directory"))
            continue
        if organisation is None:
            # A report of several forces whose table does not say whose grade it is: kept, it would stop the
            # sign-off starting, and the proposal's form has no place to say.
            flags.append(
                ReadingFlag(
                    where=where,
                    problem=f"'{printed}' is not said to be any one force's or unit's grade, and the report covers "
                    "several: left out (start from a file to give it)",
                )
            )
            continue
        grades.append(Grade(area=area, grade=GradeValue(value), organisation=organisation))
    return grades
