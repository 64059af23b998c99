"""config/watch.yaml: the shipped file validates, and a wrong one is refused naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.adapters.config_files import load_model
from signoff.domain.errors import InvalidInput
from signoff.domain.watch import Thematics, WatchConfig
from signoff.settings import PROJECT_ROOT


def test_the_shipped_file_watches_the_five_north_west_offices_hourly() -> None:
    config = load_model(PROJECT_ROOT / "config" / "watch.yaml", WatchConfig)
    assert config.every_minutes == 60
    assert str(config.listing) == "https://hmicfrs.justiceinspectorates.gov.uk/publications/"
    assert sorted(config.offices) == [
        "cheshire-pcc",
        "cumbria-pcc",
        "greater-manchester-mayor",
        "lancashire-pcc",
        "merseyside-pcc",
    ]
    assert config.offices["cumbria-pcc"].thematics is Thematics.NAMED


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("every_minutes: 0\noffices:\n  cheshire-pcc: {}\n", ":1: every_minutes"),
        ("offices:\n  cheshire-pcc:\n    thematics: sometimes\n", ":3: offices.cheshire-pcc.thematics"),
        ("listing: ftp://example.org/\noffices:\n  cheshire-pcc: {}\n", ":1: listing"),
        ("offices:\n  cheshire-pcc:\n    regoins: [nw-rocu]\n", ":3: offices.cheshire-pcc.regoins"),
        ("every_minutes: 60\n", "offices"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_line_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        load_model(path, WatchConfig)
    assert str(path) in refused.value.message
    assert where in refused.value.message, refused.value.message
