"""A finding from its printed words: the kind and number in its heading, who its text addresses, its date.

The same for a finding read from the report's HTML and from its PDF's text. Only what the words say for
certain is taken: a heading that is no kind of finding this knows, a recommendation whose addressee it
does not recognise, a date it cannot read, each becomes a flag for a person, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import ValidationError

from signoff.adapters.publications.names import BODY_WORDS, THE_FORCE_WORDS, OrganisationNames, plain
from signoff.domain.inspection import Finding, FindingKind
from signoff.domain.report_reading import ReadingFlag

# The headings a report prints for each kind, lower case, and the ref prefix each kind gets.
HEADING_WORDS: dict[str, FindingKind] = {
    "cause of concern": FindingKind.CAUSE_OF_CONCERN,
    "recommendation": FindingKind.RECOMMENDATION,
    "area for improvement": FindingKind.AREA_FOR_IMPROVEMENT,
    "afi": FindingKind.AREA_FOR_IMPROVEMENT,
    "innovative practice": FindingKind.INNOVATIVE_PRACTICE,
    "promising practice": FindingKind.PROMISING_PRACTICE,
}
REF_PREFIX: dict[FindingKind, str] = {
    FindingKind.CAUSE_OF_CONCERN: "CoC",
    FindingKind.RECOMMENDATION: "R",
    FindingKind.AREA_FOR_IMPROVEMENT: "AFI",
    FindingKind.INNOVATIVE_PRACTICE: "IP",
    FindingKind.PROMISING_PRACTICE: "PP",
}
DATE_FORMATS = ("%d %B %Y", "%d %b %Y")


@dataclass(frozen=True)
class Heading:
    kind: FindingKind
    number: int | None
    printed: str


def heading(printed: str) -> Heading | None:
    """'Recommendation 2' as a recommendation numbered 2; 'Cause of concern' unnumbered; None otherwise."""
    words = " ".join(printed.split())
    head, _, last = words.rpartition(" ")
    number: int | None = None
    if head and last.isdigit():
        number = int(last)
    else:
        head = words
    kind = HEADING_WORDS.get(head.lower().strip(" .:"))
    return Heading(kind, number, words) if kind is not None else None


@dataclass
class FindingReader:
    """Reads one report's findings in order, numbering the unnumbered and collecting the flags."""

    names: OrganisationNames
    single_force: str | None  # the force a single-force report is about: 'the chief constable' is its
    several: bool = False  # the report covers several forces or units: which one a finding is about matters
    findings: list[Finding] = field(default_factory=list)
    flags: list[ReadingFlag] = field(default_factory=list)

    def unplaced(self, printed: str, text: str) -> None:
        self.flags.append(
            ReadingFlag(
                where=printed[:300],
                problem="not a kind of finding the reader knows (cause of concern, recommendation, area for "
                "improvement, innovative or promising practice): add it by hand if the response answers it",
                text=text[:20_000],
            )
        )

    def add(self, found: Heading, text: str, explanation: str, answers: str | None = None) -> Finding | None:
        where = found.printed
        numbered = any(c.isdigit() for c in where)
        again = next(
            (f for f in self.findings if numbered and f.kind is found.kind and f.printed_ref == where), None
        )
        if again is not None:
            # Reports print their recommendations in the summary and again in the chapters: the same
            # finding twice is read once; a different text under the same label is left for a person.
            if " ".join(again.text.split()) != " ".join(text.split()):
                self.flags.append(
                    ReadingFlag(
                        where=where,
                        problem=f"printed again with another text (read as {again.ref}): add it by hand if it "
                        "is another finding",
                        text=text[:20_000],
                    )
                )
            return None
        ref = self._ref(found)
        due, opening = self._due(where, text)
        addressee, addressed_to = self._addressees(found.kind, where, opening)
        try:
            finding = Finding(
                ref=ref,
                kind=found.kind,
                label=where if where != f"{found.kind.label} {ref}" else None,
                text=text,
                explanation=explanation,
                addressee=addressee,
                addressed_to=addressed_to,
                answers=answers if found.kind is FindingKind.RECOMMENDATION else None,
                due=due,
            )
        except ValidationError as error:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            self.flags.append(
                ReadingFlag(where=where, problem=f"could not be read: {problem}"[:500], text=text)
            )
            return None
        self.findings.append(finding)
        return finding

    def _ref(self, found: Heading) -> str:
        prefix = REF_PREFIX[found.kind]
        taken = {f.ref for f in self.findings}
        number = found.number or sum(1 for f in self.findings if f.kind is found.kind) + 1
        ref = f"{prefix}-{number}"
        while ref in taken:  # the same number printed twice: keep both, the second one renumbered
            number += 1
            ref = f"{prefix}-{number}"
        return ref

    def _due(self, where: str, text: str) -> tuple[date | None, str]:
        """'By 31 March 2026, the chief constable should ...': the date, and the words after it."""
        if not text.lower().startswith("by "):
            return None, text
        printed, comma, rest = text[3:].partition(",")
        if comma:
            for pattern in DATE_FORMATS:
                try:
                    return datetime.strptime(printed.strip(), pattern).date(), rest.strip()  # noqa: DTZ007
                except ValueError:
                    continue
        self.flags.append(
            ReadingFlag(
                where=where,
                problem=f"its date ('By {printed.strip()[:60]}') is not a day the reader can read: "
                "enter the due date by hand if there is one",
                text=text,
            )
        )
        return None, rest.strip() if comma else text

    def _addressees(self, kind: FindingKind, where: str, opening: str) -> tuple[str, list[str]]:
        subject, should, _ = opening.partition(" should ")
        if not should:
            if kind is FindingKind.RECOMMENDATION:
                self._cannot_place(where, opening)
                return "", []
            # A cause of concern or a practice describes the force; it names no one to act. In a report of
            # several forces, which force it describes is for a person to say: the start refuses it unsaid.
            if self.several:
                self._cannot_place(where, opening)
            return ("", [self.single_force]) if self.single_force else ("", [])
        words = " ".join(subject.split())
        folded = plain(words)
        if folded in THE_FORCE_WORDS and self.single_force is not None:
            return words, [self.single_force]
        body = BODY_WORDS.get(folded)
        if body is not None:
            return words, [body.value]
        organisation = self.names.key(words)
        if organisation is not None:
            return words, [organisation]
        if kind is FindingKind.RECOMMENDATION or self.several:
            self._cannot_place(where, opening)
        if kind is FindingKind.RECOMMENDATION:
            return words[:200], []
        return words[:200], [self.single_force] if self.single_force else []

    def _cannot_place(self, where: str, text: str) -> None:
        self.flags.append(
            ReadingFlag(
                where=where,
                problem="the reader cannot tell whom it is addressed to (a force, all chief constables, "
                "PCCs or a national body): choose who answers it",
                text=text,
            )
        )


def paragraphs(lines: list[str]) -> list[str]:
    """Lines of a PDF's text as paragraphs: a line not ending a sentence runs on into the next."""
    found: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        current.append(stripped)
        if stripped.endswith((".", ":", ";", "?", "!")):
            found.append(" ".join(current))
            current = []
    if current:
        found.append(" ".join(current))
    return found
