"""Codebook loading, validation with file + line, hierarchy and round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitlens.coding.codebook import (
    Codebook,
    CodebookError,
    codebook_to_yaml,
    load_codebook,
    parse_codebook,
)

SPEC_EXIT = {
    "fighting_injustice": ["infighting", "killing_muslims"],
    "islamic_unity": ["discrimination", "expendability"],
    "corruption_barbarism": ["corruption", "brutality", "hypocrisy"],
    "daily_life": ["living_conditions", "boredom"],
    "other_push": ["repression", "personal_mistreatment", "military_decline", "psych_toll",
                   "ideology_rejected"],
    "pull": ["family", "outside_contact"],
}
SPEC_JOIN = {
    "motive": ["join_defend_muslims", "join_religion", "join_belonging", "join_adventure",
               "join_material", "join_coercion", "join_follow_family"],
    "vulnerability": ["join_personal"],
    "channel": ["join_media", "join_social"],
}

NESTED = """\
name: nested
dimensions:
  - id: exit
    label: Exit
    families:
      - id: harsh
        label: Harshness
        codes:
          - id: brutality
            label: Brutality
            examples: [They burned people.]
            patterns: ['behead\\w*']
            children:
              - id: beheadings
                label: Beheadings
                children:
                  - id: public_beheadings
                    label: Public beheadings
          - id: hunger
            label: Hunger
  - id: barrier
    label: Barriers
    codes:
      - id: passports
        label: Passports taken
"""


def test_default_codebook_has_the_spec_ids_and_families(codebook: Codebook) -> None:
    assert codebook.families("exit") == SPEC_EXIT
    assert codebook.families("join") == SPEC_JOIN
    assert codebook.codes_in("barrier") == [
        "forbidden_to_leave", "fear_of_reprisal", "prosecution_at_home", "documents_taken"]
    assert len(codebook.codes_in("exit")) == 16 and len(codebook.codes_in("join")) == 10
    for code in codebook:
        assert code.definition and len(code.examples) >= 3 and code.patterns, code.id


def test_child_counts_for_parent() -> None:
    cb = parse_codebook(NESTED)
    assert cb.ancestors("public_beheadings") == ["beheadings", "brutality"]
    assert cb.root("public_beheadings") == "brutality"
    assert cb.rollup({"public_beheadings", "hunger"}) == {
        "public_beheadings", "beheadings", "brutality", "hunger"}
    assert cb.family_of("public_beheadings") == "harsh"
    assert cb.families("exit") == {"harsh": ["brutality", "hunger"]}
    assert cb.codes_in("exit", top_level=True) == ["brutality", "hunger"]
    assert "public_beheadings" in cb.as_table()


def test_round_trip_through_yaml(codebook: Codebook) -> None:
    again = parse_codebook(codebook_to_yaml(codebook))
    assert list(again.codes) == list(codebook.codes)
    assert again.fingerprint() == codebook.fingerprint()
    nested = parse_codebook(NESTED)
    assert parse_codebook(codebook_to_yaml(nested)).ancestors("public_beheadings") == [
        "beheadings", "brutality"]


@pytest.mark.parametrize(
    ("replace", "by", "line", "words"),
    [
        ("          - id: hunger\n", "          - id: beheadings\n", 19, "duplicate"),
        ("                  - id: public_beheadings\n", "                  - id: hunger\n", 19,
         "first defined on line 17"),
        ("            examples:", "            colour: red\n            examples:", 11,
         "unknown key 'colour'"),
        ("          - id: hunger\n            label: Hunger\n", "          - id: hunger\n", 19,
         "missing required key 'label'"),
        ("['behead\\w*']", "['behead(']", 12, "bad pattern"),
        ("['behead\\w*']", "['beheaded ']", 12, "ends with a space"),
        ("          - id: hunger\n", "          - id: harsh\n", 19, "clashes"),
    ],
)
def test_invalid_codebook_names_file_and_line(tmp_path: Path, replace: str, by: str, line: int,
                                             words: str) -> None:
    assert replace in NESTED
    path = tmp_path / "bad.yaml"
    path.write_text(NESTED.replace(replace, by), encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    message = str(err.value)
    assert f"bad.yaml:{line}" in message, message
    assert words in message


def test_missing_id_empty_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="missing required key 'id'"):
        parse_codebook(NESTED.replace("      - id: passports\n", "      - lbl: x\n"))
    with pytest.raises(CodebookError, match="empty"):
        parse_codebook("")
    with pytest.raises(CodebookError, match="no codes"):
        parse_codebook("dimensions: []\n")
    with pytest.raises(CodebookError, match=r"<codebook>:3"):
        parse_codebook("dimensions:\n  - id: x\n   label: [\n")
    with pytest.raises(CodebookError, match="duplicate key 'label'"):
        parse_codebook(NESTED.replace("    label: Exit\n", "    label: Exit\n    label: Out\n"))
    with pytest.raises(CodebookError, match="cannot read"):
        load_codebook(tmp_path / "absent.yaml")
