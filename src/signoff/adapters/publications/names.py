"""How a report names the directory's forces and regional units, and the bodies findings are addressed to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from signoff.domain.directory import DirectoryConfig, OrganisationKind
from signoff.domain.inspection import Body

# The words a recommendation opens with ("The Home Office should ..."), lower case, without "the".
BODY_WORDS: dict[str, Body] = {
    "chief constables": Body.ALL_FORCES,
    "all chief constables": Body.ALL_FORCES,
    "all forces": Body.ALL_FORCES,
    "forces": Body.ALL_FORCES,
    "police and crime commissioners": Body.PCCS,
    "police and crime commissioners and their equivalents": Body.PCCS,
    "local policing bodies": Body.PCCS,
    "pccs": Body.PCCS,
    "college of policing": Body.COLLEGE_OF_POLICING,
    "national police chiefs' council": Body.NPCC,
    "national police chiefs’ council": Body.NPCC,
    "npcc": Body.NPCC,
    "home office": Body.HOME_OFFICE,
    "home secretary": Body.HOME_OFFICE,
    "national crime agency": Body.NCA,
    "nca": Body.NCA,
    "crown prosecution service": Body.CPS,
    "cps": Body.CPS,
}
# What a single-force report calls the force it is about.
THE_FORCE_WORDS = frozenset({"chief constable", "force", "constabulary", "police force"})


def plain(words: str) -> str:
    """Lower case, single spaces, no leading 'the', no trailing punctuation: how names are compared."""
    folded = " ".join(words.replace("\u00a0", " ").split()).lower().strip(" .,:;")
    return folded.removeprefix("the ")


@dataclass(frozen=True)
class OrganisationNames:
    """The directory's forces and regional units by the names and areas a report may print."""

    by_name: dict[str, str]
    full_names: dict[str, str]  # key -> its full name, lower case: what a body of text is searched for

    @classmethod
    def of(cls, directory: DirectoryConfig) -> OrganisationNames:
        return cls.from_rows(
            (org.key, org.name, org.area)
            for org in directory.organisations
            if org.kind in (OrganisationKind.FORCE, OrganisationKind.REGIONAL_UNIT)
        )

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str | None]]) -> OrganisationNames:
        by_name: dict[str, str] = {}
        full: dict[str, str] = {}
        for key, name, area in rows:
            by_name[plain(name)] = key
            full[key] = plain(name)
            if area:
                # 'Cheshire' alone names the force only where a list of forces is expected.
                by_name.setdefault(plain(area), key)
        return cls(by_name, full)

    def key(self, printed: str) -> str | None:
        return self.by_name.get(plain(printed))

    def named_in(self, text: str) -> list[str]:
        """The organisations whose full name appears in the text, in the directory's order."""
        folded = " ".join(text.split()).lower()
        return [key for key, name in self.full_names.items() if name in folded]
