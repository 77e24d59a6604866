"""Settings: defaults, YAML files, environment, strict validation, database URL resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from exitlens.config import Settings, load_settings, resolve_db_url
from exitlens.errors import ConfigError


def test_defaults_without_any_file() -> None:
    """No --config, no $EXITLENS_CONFIG, no ./exitlens.yaml: the built-in defaults."""
    assert load_settings() == Settings()
    assert Settings().ingest.max_file_mb == 50.0


def test_yaml_overrides_only_what_it_names(tmp_path: Path) -> None:
    """A partial file changes the named values and keeps every other default."""
    path = tmp_path / "c.yaml"
    path.write_text("ingest:\n  near_duplicate_threshold: 0.9\n")
    settings = load_settings(path)
    assert settings.ingest.near_duplicate_threshold == 0.9
    assert settings.ingest.shingle_words == Settings().ingest.shingle_words
    assert settings.reading == Settings().reading


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    """An empty YAML file is valid and gives the defaults."""
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_settings(path) == Settings()


def test_cwd_file_and_environment_precedence(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """./exitlens.yaml is used when present; $EXITLENS_CONFIG wins over it; a given path wins
    over both."""
    (tmp_path / "exitlens.yaml").write_text("ingest:\n  shingle_words: 3\n")
    assert load_settings().ingest.shingle_words == 3
    env_file = tmp_path / "env.yaml"
    env_file.write_text("ingest:\n  shingle_words: 4\n")
    monkeypatch.setenv("EXITLENS_CONFIG", str(env_file))
    assert load_settings().ingest.shingle_words == 4
    explicit = tmp_path / "explicit.yaml"
    explicit.write_text("ingest:\n  shingle_words: 6\n")
    assert load_settings(explicit).ingest.shingle_words == 6


@pytest.mark.parametrize(("content", "fragment"), [
    ("ingest:\n  shingle_word: 3\n", "ingest.shingle_word"),  # typo: unknown key
    ("ingestion:\n  max_file_mb: 3\n", "ingestion"),  # unknown section
    ("ingest:\n  max_file_mb: 0\n", "ingest.max_file_mb"),  # out of range
    ("ingest:\n  near_duplicate_threshold: 1.5\n", "near_duplicate_threshold"),
    ("reading:\n  batch_size: many\n", "reading.batch_size"),
    ("coding:\n  coder_weights: {rules: 1.5}\n", "between 0 and 1"),
    ("coding:\n  coder_weights: {'embedding:': 0.5}\n", "coder:dimension"),
    ("ingest: [1, 2\n", "line 2"),  # YAML syntax error, reported with its line
    ("42\n", "mapping"),
])
def test_invalid_config_names_file_and_field(tmp_path: Path, content: str,
                                             fragment: str) -> None:
    """Invalid settings are ConfigError(config_invalid) naming the file and the field/line."""
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.code == "config_invalid"
    assert info.value.where == str(path)
    assert fragment in info.value.message
    assert str(info.value).startswith("error[config_invalid] ")


def test_unreadable_config_path(tmp_path: Path) -> None:
    """A missing config file is a ConfigError, not an OSError."""
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "absent.yaml")


def test_assignment_is_validated() -> None:
    """Settings changed in code are validated too (no silent nonsense values)."""
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.ingest.max_file_mb = -1


def test_fingerprint_tracks_sections() -> None:
    """The fingerprint changes with the sections it covers and only with them."""
    base = Settings()
    changed_ingest = Settings(ingest={"shingle_words": 9})
    assert base.fingerprint() != changed_ingest.fingerprint()
    assert base.fingerprint("reading", "coding") == changed_ingest.fingerprint("reading", "coding")
    assert base.fingerprint() == Settings().fingerprint()


def test_resolve_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path means SQLite (absolute); a URL is kept; defaults: $EXITLENS_DB, ./exitlens.db."""
    assert resolve_db_url("corpus.db") == f"sqlite:///{tmp_path / 'corpus.db'}"
    assert resolve_db_url("/abs/x.db") == "sqlite:////abs/x.db"
    pg = "postgresql+psycopg://user@host/db"
    assert resolve_db_url(pg) == pg
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'exitlens.db'}"
    monkeypatch.setenv("EXITLENS_DB", str(tmp_path / "env.db"))
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_db_url("given.db") == f"sqlite:///{tmp_path / 'given.db'}"


def test_a_coder_weight_given_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("coding:\n  coder_weights: {rules: 0.5, 'embedding:exit': 0.2}\n")
    weights = load_settings(path).coding.coder_weights
    assert weights["rules"] == 0.5 and weights["embedding:exit"] == 0.2
    assert weights["classifier"] == Settings().coding.coder_weights["classifier"]
    assert weights["embedding"] == Settings().coding.coder_weights["embedding"]
