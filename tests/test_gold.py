"""Grouped folds: a labelled person told in several documents never straddles two folds."""

from __future__ import annotations

from exitlens.gold import GoldRecord, document_groups, grouped_folds, parse_gold_record


def _rec(rid: str, text: str, names: list[str | None], url: str | None = None) -> GoldRecord:
    return parse_gold_record({
        "id": rid, "text": text, "url": url,
        "defectors": [{"ref": f"d{i}", "name": n, "descriptor": "a former fighter"}
                      for i, n in enumerate(names)],
    }, "<test>")


def test_records_sharing_a_full_name_or_url_form_one_group() -> None:
    records = [
        _rec("a", "Alpha text about a deserter.", ["Abu Talha al-Qasimi"]),
        _rec("b", "Beta text, another outlet.", ["abu talha  al-qasimi"]),
        _rec("c", "Gamma text.", ["Karim"]),
        _rec("d", "Delta text.", ["Karim"]),  # a single given name joins nothing
        _rec("e", "Epsilon text.", [None], url="https://example.org/x"),
        _rec("f", "Zeta text.", [], url="https://example.org/x"),
    ]
    groups = document_groups(records)
    assert groups[0] == groups[1]
    assert groups[2] != groups[3]
    assert groups[4] == groups[5]
    assert len(set(groups)) == 4


def test_grouped_folds_partition_records_and_keep_groups_whole() -> None:
    records = [_rec(f"r{i}", f"Text number {i}.", [f"Person Number{i % 7}"]) for i in range(30)]
    folds = grouped_folds(records, k=5)
    flat = sorted(i for f in folds for i in f)
    assert flat == list(range(30))
    groups = document_groups(records)
    for g in set(groups):
        holding = [n for n, f in enumerate(folds) if any(groups[i] == g for i in f)]
        assert len(holding) == 1
    assert grouped_folds(records, k=5) == folds  # deterministic
