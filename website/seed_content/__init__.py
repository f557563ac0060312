"""Site pages installed by ``seed_demo``: plain data."""

from .pages import PAGES

__all__ = ["PAGES"]
