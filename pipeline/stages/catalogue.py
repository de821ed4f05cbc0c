"""The entity catalogue: canonical actors as data, and the ruler patterns built from them.

``pipeline/data/entities.toml`` (extended or overridden by a workspace file in the same format) lists each
entity's id, name, type and aliases; :func:`load_catalogue` reads and checks it, :func:`ruler_patterns` turns it
into spaCy entity-ruler patterns. Used by the entities stage (:mod:`pipeline.stages.entities`).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
SPACE = re.compile(r"\s+")
CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "data" / "entities.toml"
TYPES = ("org", "person", "model", "gov_body", "policy", "country")
# Catalogue type -> the spaCy label its ruler patterns carry (so the parser and NER see familiar labels).
_RULER_LABEL = {
    "org": "ORG",
    "person": "PERSON",
    "model": "PRODUCT",
    "gov_body": "ORG",
    "policy": "LAW",
    "country": "GPE",
}


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """Canonical entities by id, with a case-folded surface -> id lookup and surfaces never kept."""

    entities: dict[str, Entity]
    ignore: frozenset[str] = frozenset()
    lookup: dict[str, str] = field(default_factory=dict)
    demonyms: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for ent in self.entities.values():
            for surface in (ent.name, *ent.aliases, *ent.cased):
                self.lookup.setdefault(surface_key(surface), ent.id)
            for surface in ent.demonyms:
                self.demonyms.setdefault(surface_key(surface), ent.id)


def surface_key(surface: str) -> str:
    return SPACE.sub(" ", surface.translate(QUOTES)).strip().casefold()


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _merge_entries(base: dict[str, dict[str, Any]], extra: dict[str, Any], path: Path) -> None:
    for eid, entry in extra.items():
        if eid == "ignore":
            base.setdefault("ignore", {"surfaces": []})["surfaces"] += list(entry.get("surfaces", []))
            continue
        if not isinstance(entry, dict):
            raise SettingsError(f"Entity '{eid}' in {path} should be a table with name, type and aliases.")
        merged = dict(base.get(eid, {}))
        for key, value in entry.items():
            if key in ("aliases", "cased", "demonyms"):
                merged[key] = [*merged.get(key, []), *value]
            else:
                merged[key] = value
        base[eid] = merged


def load_catalogue(extra: str | Path | None = None) -> Catalogue:
    """The packaged catalogue, extended or overridden by the workspace TOML file ``extra`` (same format)."""
    entries: dict[str, dict[str, Any]] = {}
    for path in (CATALOGUE_PATH, Path(extra) if extra else None):
        if path is None:
            continue
        try:
            with path.open("rb") as fh:
                _merge_entries(entries, tomllib.load(fh), path)
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise SettingsError(f"Cannot read the entity catalogue {path}: {err}.") from err
    ignore = frozenset(surface_key(s) for s in entries.pop("ignore", {}).get("surfaces", []))
    entities: dict[str, Entity] = {}
    for eid, e in entries.items():
        if e.get("disabled"):
            continue
        if "name" not in e or e.get("type") not in TYPES:
            raise SettingsError(f"Entity '{eid}' needs a name and a type (one of {', '.join(TYPES)}).")
        entities[eid] = Entity(
            eid,
            e["name"],
            e["type"],
            tuple(e.get("aliases", ())),
            tuple(e.get("cased", ())),
            tuple(e.get("demonyms", ())),
        )
    return Catalogue(entities, ignore)


def _variants(surface: str) -> set[str]:
    return {surface, surface.title(), surface.upper(), surface.lower(), surface[:1].upper() + surface[1:]}


def ruler_patterns(catalogue: Catalogue) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Phrase patterns for the ruler before NER (names) and after it (countries and demonyms)."""
    early: list[dict[str, str]] = []
    late: list[dict[str, str]] = []
    for ent in catalogue.entities.values():
        label, target = _RULER_LABEL[ent.type], late if ent.type == "country" else early
        loose = [s for s in (ent.name, *ent.aliases) if s not in ent.cased]
        surfaces = {v for s in loose for v in _variants(s)} | set(ent.cased)
        target += [{"label": label, "pattern": s, "id": ent.id} for s in sorted(surfaces)]
        if ent.type == "model":  # one-token versions: "Llama-4", "Qwen3.5", "gpt-oss-120b"
            for s in {*loose, *ent.cased}:
                flags = "" if s in ent.cased else "(?i)"
                version = {"TEXT": {"REGEX": rf"{flags}^{re.escape(s)}[-_.]?v?\d[\w.\-]*$"}}
                early.append({"label": label, "pattern": [version], "id": ent.id})  # type: ignore[dict-item]
        late += [{"label": "NORP", "pattern": s, "id": ent.id} for s in ent.demonyms]
    return early, late
