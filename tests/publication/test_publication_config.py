"""config/publication.yaml: the shipped file loads; a bad one is refused naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.document_layout import (
    DEFAULT_TITLE,
    TITLE_PLACEHOLDERS,
    PublicationConfig,
    SectionPart,
    fill_title,
)
from signoff.domain.errors import InvalidInput
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.settings import PROJECT_ROOT
from tests.people import HANNAH
from tests.publication.reference import ready_to_publish

SHIPPED = PROJECT_ROOT / "config" / "publication.yaml"

# An office of the shipped file with its own title, order and letter, appended to the file's text.
LETTER_OFFICE = """\
  lancashire-pcc:
    title: "Response to {report_title} from the Police and Crime Commissioner for {area}"
    layout:
      - section: commissioner-response
        heading: The Commissioner's comments
        style: signed
      - findings: true
      - section: report-summary
        heading: Summary of the report
    letter:
      salutation: Dear Sir Andy and Home Secretary,
"""


def test_the_shipped_layout_places_every_section_of_the_reference_pipeline() -> None:
    config = load_model(SHIPPED, PublicationConfig)
    placed = [p.section for p in config.layout if isinstance(p, SectionPart)]
    assert placed == ["report-summary", "constabulary-response", "commissioner-response"]
    assert config.offices["cheshire-pcc"].signature is not None


def test_an_office_has_its_own_title_order_and_letter_and_the_rest_keep_the_files(tmp_path: Path) -> None:
    path = tmp_path / "publication.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8") + LETTER_OFFICE, encoding="utf-8")
    config = load_model(path, PublicationConfig)
    lancashire = config.for_office("lancashire-pcc")
    assert [getattr(p, "section", None) for p in lancashire.layout] == [
        "commissioner-response",
        None,
        "report-summary",
    ]
    assert lancashire.title.startswith("Response to {report_title}")
    assert lancashire.office.letter is not None
    assert lancashire.office.letter.salutation == "Dear Sir Andy and Home Secretary,"
    assert lancashire.office.letter.closing == "Yours sincerely,"
    cheshire = config.for_office("cheshire-pcc")
    assert cheshire.layout == tuple(config.layout)
    assert cheshire.title == config.title
    assert cheshire.office.letter is None


@pytest.mark.parametrize(
    ("old", "new", "at", "key", "message"),
    [
        (
            "    style: quote\n",
            "    style: italic\n",
            "  - section: constabulary",
            "layout[5].section.style",
            "Input should be",
        ),
        (
            "      image: signatures/cheshire-pcc.svg\n",
            "      image: ../../etc/passwd.svg\n",
            "      image:",
            "offices.cheshire-pcc.signature.image",
            "must be a path inside the config folder",
        ),
        (
            'title: "{area} Police',
            'title: "{area.__class__} Police',
            "title:",
            "title",
            "may use only these placeholders: {area}, {office}, {force}, {report_title}, {inspectorates}, "
            "{inspectorates_short}; not {area.__class__}",
        ),
        (
            'title: "{area} Police',
            'title: "{area:>999999999} Police',
            "title:",
            "title",
            "not {area:>999999999}",
        ),
        (
            'title: "{area} Police',
            'title: "{chief_constable} Police',
            "title:",
            "title",
            "not {chief_constable}",
        ),
        (
            'title: "{area} Police',
            'title: "{area Police',
            "title:",
            "title",
            "may use only these placeholders",
        ),
        (
            "    signatory: john.dwyer",
            "    title: 'For {area!r}'\n    signatory: john.dwyer",
            "    title:",
            "offices.cheshire-pcc.title",
            "not {area!r}",
        ),
        (
            "    signatory: john.dwyer",
            "    layout:\n      - section: report-summary\n        heading: A\n"
            "      - section: report-summary\n        heading: B\n    signatory: john.dwyer",
            "      - section: report-summary",
            "offices.cheshire-pcc.layout",
            "places section report-summary more than once",
        ),
        (
            "    signatory: john.dwyer",
            "    layout:\n      - findings: true\n      - findings: true\n    signatory: john.dwyer",
            "      - findings: true",
            "offices.cheshire-pcc.layout",
            "lists the findings more than once",
        ),
        (
            "    signatory: john.dwyer",
            "    letter:\n      salutation: ''\n    signatory: john.dwyer",
            "      salutation:",
            "offices.cheshire-pcc.letter.salutation",
            "at least 1 character",
        ),
        (
            "    comment_section: for-noting\n",
            "    comment_section: constabulary-response\n",
            "  - inspection_table: true",
            "layout",
            "places section constabulary-response more than once",
        ),
    ],
)
def test_a_bad_publication_file_is_refused_with_its_place(
    tmp_path: Path, old: str, new: str, at: str, key: str, message: str
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    path = tmp_path / "publication.yaml"
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_model(path, PublicationConfig)
    error = raised.value.message
    line = next(n for n, text in enumerate(changed.split("\n"), start=1) if text.startswith(at))
    assert f"publication.yaml:{line}: {key}: " in error, error
    assert message in error, error


_VALUES = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


@given(values=st.fixed_dictionaries(dict.fromkeys(TITLE_PLACEHOLDERS, _VALUES)))
def test_a_title_is_filled_with_the_values_as_written_never_read_again(values: dict[str, str]) -> None:
    # A report titled '{area}' or 'Costs {0}' is printed as titled: the values are not templates.
    title = fill_title(DEFAULT_TITLE, values)
    assert title == (
        f"{values['area']} Police and Crime Commissioner's Response to {values['inspectorates']} "
        f"({values['inspectorates_short']}) Inspections"
    )


@given(template=st.text(alphabet="{}!:a_reto. x", max_size=30))
def test_any_title_template_is_either_refused_as_invalid_or_filled(template: str) -> None:
    values = {name: f"<{name}>" for name in TITLE_PLACEHOLDERS}
    try:
        config = PublicationConfig.model_validate({"title": template, "layout": [{"findings": True}]})
    except ValidationError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert refused.errors()[0]["loc"] == ("title",)
        return
    # What is accepted is only ever bare names: Python's own formatting agrees with the filling.
    assert fill_title(config.title, values) == config.title.format(**values)


def test_a_layout_that_leaves_out_a_section_refuses_to_publish(
    app: Application, clock: FixedClock, tmp_path: Path
) -> None:
    signoff_id = ready_to_publish(app)
    shipped = load_model(SHIPPED, PublicationConfig)
    partial = shipped.model_copy(
        update={"layout": [p for p in shipped.layout if getattr(p, "section", "") != "commissioner-response"]}
    )
    deps = app.deps.__class__(**{**app.deps.__dict__, "load_publication_config": lambda: partial})
    with pytest.raises(InvalidInput, match="gives no place to section commissioner-response"):
        publish_signoff(PublishSignoff(signoff_id=signoff_id, by=HANNAH), deps)
    assert not app.settings.publication_dir.exists() or not any(app.settings.publication_dir.iterdir())


def test_the_shipped_mayors_office_names_the_mayor_and_no_commissioner() -> None:
    """Greater Manchester's policing is the Mayor's: its response has no Commissioner's headings."""
    layout = load_model(SHIPPED, PublicationConfig).for_office("greater-manchester-mayor")
    headings = [
        text
        for part in layout.layout
        for text in (getattr(part, "heading", None), getattr(part, "comment_heading", None))
        if isinstance(text, str)
    ]
    assert layout.title.startswith("Mayor of Greater Manchester's Response")
    assert not [h for h in headings if "Commissioner" in h], headings
    assert [p.heading for p in layout.layout if isinstance(p, SectionPart) and p.style == "signed"] == [
        "The Mayor’s Response"
    ]
