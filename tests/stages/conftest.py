"""Fixtures for the stage tests: the entity catalogue and the spaCy pipeline, loaded once per session."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.stages.catalogue import Catalogue, load_catalogue
from pipeline.stages.entities import build_nlp


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def entity_nlp(catalogue: Catalogue) -> Language:
    return build_nlp(catalogue=catalogue)
