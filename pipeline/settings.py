"""Settings: the packaged defaults (``default_settings.toml``) overridden by a workspace's ``opentide.toml``.

Validated at start-up: unknown keys, wrong types, words outside a choice, numbers out of range and source
patterns that are not regular expressions fail with a message naming the file and key.
Stages receive plain values (``settings.section("topics")``), never the whole object.
"""

from __future__ import annotations

import copy
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.embed import PRECISIONS
from pipeline.errors import (
    E_NO_WORKSPACE,
    E_SETTINGS_KEY,
    E_SETTINGS_PARSE,
    E_SETTINGS_TYPE,
    E_SOURCE,
    E_SOURCE_KEY,
    E_SOURCE_LIST,
    E_SOURCE_LIST_KEYS,
    E_SOURCE_NAME_TAKEN,
    E_SOURCE_PATTERNS,
    E_SOURCE_REGEX,
    E_SOURCE_TWICE,
    E_SOURCE_TYPE,
    SettingsError,
)
from pipeline.timelines import FREQS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULTS_PATH = Path(__file__).with_name("default_settings.toml")
WORKSPACE_FILE = "opentide.toml"
# Sections whose keys are open-ended (users add their own entries).
OPEN_SECTIONS = {"entities"}
# Settings that take one of a few words.
CHOICES = {
    "analysis.precision": PRECISIONS,
    "analysis.engine": ("local", "dask"),
    "timeline.freq": tuple(FREQS),
    "ingest.other_languages": ("keep", "reject"),
    "stance.unit": ("auto", "sentence", "document"),
}
# Numeric settings and the range they must lie in (low, high; None: unbounded); the others take any number.
_AT_LEAST_1 = ("ingest.max_bytes", "collect.max_bytes", "collect.per_host_concurrency", "collect.concurrency",
               "analysis.batch_size", "analysis.n_process", "topics.min_docs", "topics.chunk_words",
               "topics.sample_size", "timeline.min_sentences")  # fmt: skip
_AT_LEAST_0 = ("ingest.min_chars", "collect.max_redirects", "collect.retries", "collect.backoff",
               "collect.max_retry_after", "collect.per_host_delay", "collect.max_depth", "collect.max_pages",
               "collect.min_chars", "analysis.model_threads", "stance.document_sentences",
               "stance.document_chars")  # fmt: skip
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    **{k: (1, None) for k in _AT_LEAST_1},
    **{k: (0, None) for k in _AT_LEAST_0},
    "collect.near_duplicate_threshold": (0, 1),
    "stance.relevance_threshold": (0, 1),
    "stance.prefilter_window": (-1, None),
}
POSITIVE = ("collect.timeout_connect", "collect.timeout_total")  # seconds: more than 0
# Tables whose values must all be strings (their keys are the user's own).
STRING_TABLES = ("ingest.kind_by_path",)
# The keys a [[sources]] entry takes.
SOURCE_KEYS = ("name", "url", "kind", "include", "exclude", "max_items")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(E_SETTINGS_PARSE.format(path=path, err=err)) from err


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int):  # counts, sizes, seeds: a whole number
        return isinstance(value, int)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _merge(defaults: dict[str, Any], override: dict[str, Any], path: Path) -> dict[str, Any]:
    merged = copy.deepcopy(defaults)
    for section, values in override.items():
        if section == "sources":
            merged["sources"] = values
            continue
        if section not in defaults:
            raise SettingsError(
                E_SETTINGS_KEY.format(key=section, path=path, section="top level", known=", ".join(defaults))
            )
        if not isinstance(values, dict):
            raise SettingsError(E_SETTINGS_TYPE.format(key=section, path=path, expected="a table", got=values))
        for key, value in values.items():
            if key not in defaults[section] and section not in OPEN_SECTIONS:
                known = ", ".join(defaults[section])
                raise SettingsError(E_SETTINGS_KEY.format(key=key, path=path, section=section, known=known))
            default = defaults[section].get(key)
            if default is not None and not _same_kind(default, value):
                expected = type(default).__name__
                raise SettingsError(
                    E_SETTINGS_TYPE.format(key=f"{section}.{key}", path=path, expected=expected, got=value)
                )
            _check_value(f"{section}.{key}", value, path)
            merged[section][key] = value
    return merged


def _check_value(key: str, value: Any, path: Path) -> None:
    expected = ""
    choices = CHOICES.get(key)
    if choices and value not in choices:
        expected = "one of " + ", ".join(repr(c) for c in choices)
    low, high = BOUNDS.get(key, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        expected = f"at least {low}" if high is None else f"between {low} and {high}"
    if key in POSITIVE and value <= 0:
        expected = "more than 0"
    if key in STRING_TABLES and not all(isinstance(v, str) for v in value.values()):
        expected = 'a table of strings (e.g. { "ntia" = "comment" })'
    if expected:
        raise SettingsError(E_SETTINGS_TYPE.format(key=key, path=path, expected=expected, got=value))


def _check_sources(sources: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(sources, list):
        raise SettingsError(E_SETTINGS_TYPE.format(key="sources", path=path, expected="an array", got=sources))
    names: dict[str, int] = {}
    for i, src in enumerate(sources):
        missing = [k for k in ("name", "url") if not (isinstance(src, dict) and src.get(k))]
        if missing:
            raise SettingsError(E_SOURCE.format(i=i + 1, path=path, missing=" and ".join(missing)))
        _check_source_keys(i + 1, src, path)
        first = names.setdefault(src["name"], i + 1)
        if first != i + 1:
            raise SettingsError(E_SOURCE_NAME_TAKEN.format(i=i + 1, path=path, name=src["name"], first=first))
        for key in ("include", "exclude"):
            patterns = src.get(key, [])
            if not isinstance(patterns, list) or not all(isinstance(x, str) for x in patterns):
                raise SettingsError(E_SOURCE_PATTERNS.format(i=i + 1, path=path, key=key, got=patterns))
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as err:
                    msg = E_SOURCE_REGEX.format(i=i + 1, path=path, key=key, got=pattern, err=err)
                    raise SettingsError(msg) from None
    return sources


def _check_source_keys(i: int, src: dict[str, Any], path: Path) -> None:
    """No key outside SOURCE_KEYS (a typo would silently drop a filter), and name, url and kind as strings."""
    for key in src:
        if key not in SOURCE_KEYS:
            raise SettingsError(E_SOURCE_KEY.format(i=i, path=path, key=key, known=", ".join(SOURCE_KEYS)))
    for key in ("name", "url", "kind"):
        if key in src and not isinstance(src[key], str):
            raise SettingsError(E_SOURCE_TYPE.format(i=i, path=path, key=key, expected="a string", got=src[key]))
    items = src.get("max_items", 1)
    if isinstance(items, bool) or not isinstance(items, int) or items < 1:
        expected = "a whole number of at least 1"
        raise SettingsError(E_SOURCE_TYPE.format(i=i, path=path, key="max_items", expected=expected, got=items))


def _listed_sources(root: Path, lists: Any, ws_file: Path) -> list[tuple[Path, list[dict[str, Any]]]]:
    """The ``[[sources]]`` of each file ``[workspace] source_lists`` names, checked like those of opentide.toml."""
    if not all(isinstance(x, str) for x in lists):
        expected = "a list of file paths"
        raise SettingsError(E_SETTINGS_TYPE.format(key="workspace.source_lists", path=ws_file, expected=expected,
                                                   got=lists))  # fmt: skip
    out = []
    for name in lists:
        path = Path(name).expanduser()
        path = path if path.is_absolute() else root / path
        if not path.is_file():
            raise SettingsError(E_SOURCE_LIST.format(path=path, ws=ws_file))
        data = _read_toml(path)
        if set(data) - {"sources"}:
            raise SettingsError(E_SOURCE_LIST_KEYS.format(path=path, keys=", ".join(sorted(set(data) - {"sources"}))))
        out.append((path, _check_sources(data.get("sources", []), path)))
    return out


def _gather_sources(root: Path, values: dict[str, Any], ws_file: Path) -> list[dict[str, Any]]:
    """The workspace file's sources, then those of its source lists; a name is given once across all."""
    sources = _check_sources(values.get("sources", []), ws_file)
    where = dict.fromkeys((s["name"] for s in sources), ws_file)
    for path, listed in _listed_sources(root, values["workspace"]["source_lists"], ws_file):
        for src in listed:
            if src["name"] in where:
                raise SettingsError(E_SOURCE_TWICE.format(name=src["name"], path=path, first=where[src["name"]]))
            where[src["name"]] = path
        sources += listed
    return sources


@dataclass(frozen=True)
class Settings:
    """Settings in force for one workspace."""

    root: Path
    values: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        return copy.deepcopy(self.values[name])

    def path(self, section: str, key: str) -> Path:
        """A path setting resolved against the workspace root."""
        p = Path(self.values[section][key]).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def store_path(self) -> Path:
        return self.path("workspace", "store")

    @property
    def outputs(self) -> Path:
        return self.path("workspace", "outputs")

    @property
    def sources(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.values.get("sources", []))


def load_settings(workspace: str | Path = ".", *, overrides: dict[str, Any] | None = None) -> Settings:
    """Read the defaults, then ``<workspace>/opentide.toml`` if present, then ``overrides``."""
    root = Path(workspace).resolve()
    if not root.is_dir():  # a typo in -w must not become a new, empty workspace
        raise SettingsError(E_NO_WORKSPACE.format(path=root))
    values = _read_toml(DEFAULTS_PATH)
    ws_file = root / WORKSPACE_FILE
    if ws_file.is_file():
        values = _merge(values, _read_toml(ws_file), ws_file)
    if overrides:
        values = _merge(values, overrides, Path("<overrides>"))
    values["sources"] = _gather_sources(root, values, ws_file)
    return Settings(root=root, values=values)
