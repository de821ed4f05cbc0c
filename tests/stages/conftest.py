"""Fixtures for the stage tests: the entity catalogue and the spaCy pipeline, loaded once per session."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.stages.entities import Catalogue, build_nlp, load_catalogue


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def entity_nlp(catalogue: Catalogue) -> Language:
    return build_nlp(catalogue=catalogue)
