"""The pure codebook edits: each returns a new validated codebook, leaves the given one as it
was, and survives the YAML round trip."""

from __future__ import annotations

import pytest

from exitlens.coding.codebook import codebook_to_yaml, load_codebook, parse_codebook
from exitlens.coding.codebook_edit import (
    CodebookEditError,
    add_code,
    codebook_tree,
    define_code,
    merge_codes,
    move_code,
    rename_code,
)
from exitlens.errors import ExitlensError


@pytest.fixture(scope="module")
def book():
    return load_codebook()


def test_add_under_a_code_a_family_and_a_dimension(book) -> None:
    child = add_code(book, "unpaid_wages", "Unpaid wages", under="corruption",
                     definition="  Fighters were not paid.  ")
    assert child.get("unpaid_wages").parent == "corruption"
    assert child.get("unpaid_wages").definition == "Fighters were not paid."
    assert child.rollup(["unpaid_wages"]) >= {"unpaid_wages", "corruption"}
    top = add_code(book, "unpaid_wages", "Unpaid wages", under="daily_life")
    assert top.get("unpaid_wages").family == "daily_life"
    assert top.get("unpaid_wages").parent is None
    loose = add_code(book, "unpaid_wages", "Unpaid wages", under="barrier")
    assert loose.get("unpaid_wages").dimension == "barrier"
    assert "unpaid_wages" not in book  # the given codebook is unchanged
    again = parse_codebook(codebook_to_yaml(child))
    assert list(again.codes) == list(child.codes)


@pytest.mark.parametrize(("code", "under", "message"), [
    ("corruption", "daily_life", "already has"),
    ("Bad-Id", "daily_life", "lowercase"),
    ("fresh_code", "nowhere", "no code, family or dimension"),
    ("exit", "daily_life", "clashes"),  # an id taken by a dimension
])
def test_add_refuses_bad_ids_and_places(book, code: str, under: str, message: str) -> None:
    with pytest.raises(ExitlensError, match=message):
        add_code(book, code, "Label", under=under)


def test_rename_and_define_keep_the_id(book) -> None:
    renamed = rename_code(book, "boredom", "  Idle   days ")
    assert renamed.get("boredom").label == "Idle days"
    assert renamed.get("boredom").patterns == book.get("boredom").patterns
    defined = define_code(book, "boredom", "Nothing to do.", include="guard duty")
    assert defined.get("boredom").definition == "Nothing to do."
    assert defined.get("boredom").include == "guard duty"
    assert defined.get("boredom").exclude == book.get("boredom").exclude
    with pytest.raises(CodebookEditError, match="empty"):
        rename_code(book, "boredom", "   ")
    with pytest.raises(CodebookEditError, match="no code 'nope'"):
        define_code(book, "nope", "x")


def test_move_keeps_children_and_refuses_cycles(book) -> None:
    parent = add_code(book, "unpaid_wages", "Unpaid wages", under="corruption")
    moved = move_code(parent, "corruption", "daily_life")
    assert moved.get("corruption").family == "daily_life"
    assert moved.get("unpaid_wages").parent == "corruption"
    assert moved.get("unpaid_wages").family == "daily_life"
    with pytest.raises(CodebookEditError, match="under itself"):
        move_code(parent, "corruption", "unpaid_wages")
    nested = move_code(book, "boredom", "living_conditions")
    assert nested.get("boredom").parent == "living_conditions"
    assert len(nested.codes) == len(book.codes)


def test_merge_removes_the_code_and_moves_its_children(book) -> None:
    parent = add_code(book, "unpaid_wages", "Unpaid wages", under="corruption")
    merged = merge_codes(parent, "corruption", "brutality")
    assert "corruption" not in merged
    assert merged.get("unpaid_wages").parent == "brutality"
    assert len(merged.codes) == len(parent.codes) - 1
    with pytest.raises(CodebookEditError, match="its own child"):
        merge_codes(parent, "corruption", "unpaid_wages")
    with pytest.raises(CodebookEditError, match="into itself"):
        merge_codes(book, "boredom", "boredom")


def test_tree_lists_every_code_once_in_order(book) -> None:
    rows = codebook_tree(add_code(book, "unpaid_wages", "Unpaid wages", under="corruption"))
    ids = [r["id"] for r in rows if r["kind"] == "code"]
    assert sorted(ids) == sorted([*book.codes, "unpaid_wages"])
    at = ids.index("corruption")
    assert ids[at + 1] == "unpaid_wages"
    depth = {r["id"]: r["depth"] for r in rows}
    assert depth["exit"] == 0 and depth["corruption_barbarism"] == 1
    assert depth["corruption"] == 2 and depth["unpaid_wages"] == 3
