"""The add-on's models, one module per concern; import them from here."""

from .pages import RegulationIndexPage, RegulationPage
from .units import Unit

__all__ = ["RegulationIndexPage", "RegulationPage", "Unit"]
