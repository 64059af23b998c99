"""signoff refuses to start on a Prefect major version it was not tested with, naming both."""

from __future__ import annotations

import prefect
import pytest

from flows.version_check import TESTED_MAJOR, UntestedPrefect, refuse_untested_prefect


@pytest.mark.parametrize("version", ["3.0.0", "3.9.1", "3.10.0rc1", prefect.__version__])
def test_the_tested_major_starts(version: str) -> None:
    refuse_untested_prefect(version)


@pytest.mark.parametrize("version", ["2.20.16", "4.0.0", "4.0.0.dev3", "30.1.0"])
def test_another_major_is_refused_naming_both_versions(version: str) -> None:
    with pytest.raises(UntestedPrefect) as refused:
        refuse_untested_prefect(version)
    assert f"Prefect {version} is installed" in refused.value.message
    assert f"tested with Prefect {TESTED_MAJOR} only" in refused.value.message
