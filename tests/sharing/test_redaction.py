"""Redaction: nobody named, ages banded, small places replaced, spans still on their text."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.sharing.bundle import check_spans
from exitlens.sharing.redaction import age_band, redact_bundle

from .conftest import NAMES


def _all_strings(bundle) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for frame in bundle.tables().values():
        parts.append(frame.astype(str).to_csv(index=False))
    return "\n".join(parts)


def test_age_band() -> None:
    assert age_band(23) == "20-29" and age_band("41") == "40-49"
    assert age_band(7) == "under 10" and age_band("twenty") is None


def test_redacted_bundle_names_nobody(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        original = project.export_bundle()
        bundle = project.export_bundle(redact=True, salt="s1")
    everything = _all_strings(bundle)
    for name in NAMES:
        assert not re.search(re.escape(name), everything, re.IGNORECASE), name
    assert "aged 23" not in everything and "aged 20-29" in everything
    assert "Syria" in everything and "SY" in set(bundle.persons["profile_nationality"])
    assert bundle.redacted and bundle.pseudonyms["Sami Aziz"].startswith("Person-")
    # the original bundle is untouched
    assert "Sami Aziz" in original.documents["text"].iloc[0]
    assert check_spans(bundle) == []


def test_one_pseudonym_per_person_across_documents(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle(redact=True, salt="s1")
    sami = bundle.pseudonyms["Sami Aziz"]
    assert bundle.pseudonyms["Abu Layth"] == sami  # the kunya is the same person
    texts = bundle.documents["text"].tolist()
    assert sami in texts[0] and sami in texts[1]
    assert texts[0].count(sami) == 3  # name, kunya in brackets, kunya in the next line
    assert bundle.pseudonyms["Lina Haddad"] != sami
    assert set(bundle.cases["label"]) == {sami, bundle.pseudonyms["Lina Haddad"]}


def test_salt_makes_exports_unlinkable_or_reproducible(open_shared: Callable[[], Project]
                                                        ) -> None:
    with open_shared() as project:
        a = project.export_bundle(redact=True, salt="one")
        b = project.export_bundle(redact=True, salt="one")
        c = project.export_bundle(redact=True, salt="two")
        d = project.export_bundle(redact=True)
        e = project.export_bundle(redact=True)
    assert a.pseudonyms == b.pseudonyms
    assert a.pseudonyms["Sami Aziz"] != c.pseudonyms["Sami Aziz"]
    assert d.pseudonyms["Sami Aziz"] != e.pseudonyms["Sami Aziz"]


def test_spans_are_remapped_to_redacted_text(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        original = project.export_bundle()
        bundle = project.export_bundle(redact=True, salt="s1")
    sami = bundle.pseudonyms["Sami Aziz"]
    town = bundle.pseudonyms["Kafr Tala"]
    assert town.startswith("Place-")
    row = bundle.codings[bundle.codings["code"] == "corruption"].iloc[0]
    assert row["text"] == (f"Defector {sami} ({sami}), SY, aged 20-29, from {town}, left in 2016, "
                           "cites boredom and corruption.")
    before = original.codings[original.codings["code"] == "corruption"].iloc[0]
    assert row["start"] == before["start"]  # nothing replaced before it (emoji kept)
    assert row["id"] == before["id"]
    # mentions still cover the pseudonyms
    assert set(bundle.mentions["text"]) <= {sami, bundle.pseudonyms["Lina Haddad"]}
    assert check_spans(bundle) == []


def test_redact_bundle_is_pure(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    redacted = redact_bundle(bundle, "x")
    assert redacted is not bundle and not bundle.redacted
    assert "Kafr Tala" in bundle.documents["text"].iloc[0]


def test_age_phrases_and_birth_years_are_banded(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    text = ("Sami Aziz, 23, was born in 1993. At the age of 17 he met a 19-year-old friend; "
            "now 24 years old, he works. In 2014, 300 men left.")
    bundle.documents = bundle.documents.assign(text=[text] * len(bundle.documents))
    bundle.codings = bundle.codings.iloc[0:0]
    bundle.quotes = bundle.quotes.iloc[0:0]
    bundle.mentions = bundle.mentions.iloc[0:0]
    out = redact_bundle(bundle, "s").documents["text"].iloc[0]
    sami = redact_bundle(bundle, "s").pseudonyms["Sami Aziz"]
    assert out == (f"{sami}, 20-29, was born in 1990s. At the age of 10-19 he met a "
                   "10-19-year-old friend; now 20-29 years old, he works. In 2014, 300 men "
                   "left.")


def test_redacted_report_names_nobody_and_counts_the_same(shared_db: str, tmp_path: Path
                                                          ) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("reading:\n  stages: [fake_sharing]\n", encoding="utf-8")
    for flag, name in (([], "plain.html"), (["--redact"], "hidden.html")):
        result = CliRunner().invoke(app, ["report", "-o", str(tmp_path / name), *flag,
                                          "--db", shared_db, "--config", str(config)])
        assert result.exit_code == 0, result.output
    plain = (tmp_path / "plain.html").read_text(encoding="utf-8")
    hidden = (tmp_path / "hidden.html").read_text(encoding="utf-8")
    assert "Sami Aziz" in plain
    for name in NAMES:
        assert name not in hidden
    assert "Person-" in hidden
    assert re.findall(r"\d+ of \d+", plain) == re.findall(r"\d+ of \d+", hidden)


def test_codebook_text_is_redacted_too(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    spec = bundle.codebook.spec.model_copy(deep=True)
    spec.dimensions[0].families[0].codes[0].definition = "Fighting rebels, as Sami Aziz did."
    from exitlens.coding.codebook import Codebook

    bundle.codebook = Codebook(spec, source="test")
    redacted = redact_bundle(bundle, "s")
    first = next(iter(redacted.codebook.codes.values()))
    assert "Sami Aziz" not in first.definition
    assert redacted.pseudonyms["Sami Aziz"] in first.definition
    assert list(redacted.codebook.codes) == list(bundle.codebook.codes)
    assert "Sami Aziz" in next(iter(bundle.codebook.codes.values())).definition
