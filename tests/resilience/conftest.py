"""The fault tests' rig, as a fixture (its parts are in tests/resilience/rig.py)."""

from tests.resilience.rig import rig

__all__ = ["rig"]
