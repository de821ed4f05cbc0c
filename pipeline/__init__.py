"""opentide: follow policy narratives through news and government texts.

Collect documents into a SQLite store, analyse them (entities, stance, frame, topics) and export
tidy CSV timelines. See README.md for the quick start.
"""

from __future__ import annotations

__version__ = "0.1.0"
