"""config/publication.yaml: the shipped file loads; a bad one is refused naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.document import PublicationConfig, SectionPart
from signoff.domain.errors import InvalidInput
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.settings import PROJECT_ROOT
from tests.people import HANNAH
from tests.publication.reference import ready_to_publish

SHIPPED = PROJECT_ROOT / "config" / "publication.yaml"


def test_the_shipped_layout_places_every_section_of_the_reference_pipeline() -> None:
    config = load_model(SHIPPED, PublicationConfig)
    placed = [p.section for p in config.layout if isinstance(p, SectionPart)]
    assert placed == ["report-summary", "constabulary-response", "commissioner-response"]
    assert config.offices["cheshire-pcc"].signature is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    style: quote\n", "publication.yaml:19: layout[2].section.style: Input should be"),
        (
            "      image: ../../etc/passwd.svg\n",
            "offices.cheshire-pcc.signature.image: must be a path inside the config folder",
        ),
        ('title: "{area} and {force}"\n', "publication.yaml:9: title: may use only {area}"),
    ],
)
def test_a_bad_publication_file_is_refused_with_its_place(tmp_path: Path, change: str, message: str) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    if change.startswith("    style"):
        text = text.replace("    style: quote\n", "    style: italic\n")
    elif change.strip().startswith("image"):
        text = text.replace("      image: signatures/cheshire-pcc.svg\n", change)
    else:
        text = "\n".join(
            change.rstrip("\n") if line.startswith("title:") else line for line in text.split("\n")
        )
    path = tmp_path / "publication.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_model(path, PublicationConfig)
    assert "publication.yaml" in raised.value.message
    assert message in raised.value.message, raised.value.message


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
