"""Settings: the packaged defaults (``default_settings.toml``) overridden by a workspace's ``opentide.toml``.

Validated at start-up: unknown keys and wrong types fail with a message naming the file and key.
Stages receive plain values (``settings.section("topics")``), never the whole object.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.embed import PRECISIONS
from pipeline.errors import (
    E_SETTINGS_KEY,
    E_SETTINGS_PARSE,
    E_SETTINGS_TYPE,
    E_SOURCE,
    SettingsError,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULTS_PATH = Path(__file__).with_name("default_settings.toml")
WORKSPACE_FILE = "opentide.toml"
# Sections whose keys are open-ended (users add their own entries).
OPEN_SECTIONS = {"entities"}
# Settings that take one of a few words.
CHOICES = {"analysis.precision": PRECISIONS, "analysis.engine": ("local", "dask")}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(E_SETTINGS_PARSE.format(path=path, err=err)) from err


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
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
            choices = CHOICES.get(f"{section}.{key}")
            if choices and value not in choices:
                expected = "one of " + ", ".join(repr(c) for c in choices)
                raise SettingsError(
                    E_SETTINGS_TYPE.format(key=f"{section}.{key}", path=path, expected=expected, got=value)
                )
            merged[section][key] = value
    return merged


def _check_sources(sources: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(sources, list):
        raise SettingsError(E_SETTINGS_TYPE.format(key="sources", path=path, expected="an array", got=sources))
    for i, src in enumerate(sources):
        missing = [k for k in ("name", "url") if not (isinstance(src, dict) and src.get(k))]
        if missing:
            raise SettingsError(E_SOURCE.format(i=i + 1, path=path, missing=" and ".join(missing)))
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
    values = _read_toml(DEFAULTS_PATH)
    ws_file = root / WORKSPACE_FILE
    if ws_file.is_file():
        values = _merge(values, _read_toml(ws_file), ws_file)
    if overrides:
        values = _merge(values, overrides, Path("<overrides>"))
    values["sources"] = _check_sources(values.get("sources", []), ws_file)
    return Settings(root=root, values=values)
