"""A nationality only inferred from the page (``model.PAGE_BASIS``) in cases: kept apart
from stated values, so it neither joins nor separates cases, loses to a stated value from
another source, and is marked in ``inferred_fields`` when no source states one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from exitlens.cases import conflicts
from exitlens.model import PAGE_BASIS, FieldValue, Profile, Span
from exitlens.store.case_store import DocInfo, _case_record, _plain_profile


def stored(nationality: str | None, *, inferred: bool = False, gender: str = "m"
           ) -> dict[str, Any]:
    prof = Profile(gender=FieldValue(gender, Span(0, 2)))
    if nationality:
        prof.nationality = FieldValue(nationality, Span(5, 12),
                                      PAGE_BASIS if inferred else None)
    return prof.to_json()


def test_plain_profile_keeps_inferred_values_apart() -> None:
    values, spans, inferred = _plain_profile(stored("SY", inferred=True))
    assert values.get("nationality") is None
    assert inferred == {"nationality": "SY"} and "nationality" not in spans
    assert values["gender"] == "m" and spans["gender"] == (0, 2)
    values, spans, inferred = _plain_profile(stored("FR"))
    assert values["nationality"] == "FR" and spans["nationality"] == (5, 12) and not inferred


def _record(*profiles: dict[str, Any]) -> dict[str, Any]:
    docs = {i: DocInfo(i, f"sha{i}", "news", f"outlet {i}", f"2020-0{i}-01", None)
            for i in range(1, len(profiles) + 1)}
    rows = [SimpleNamespace(id=10 + i, document_id=i, ordinal=0, name="Sami Aziz",
                            descriptor=None, profile=p)
            for i, p in enumerate(profiles, start=1)]
    case = SimpleNamespace(id=1, label="Sami Aziz", meta={})
    return _case_record(case, rows, docs)


def test_a_stated_nationality_wins_over_inferred_ones() -> None:
    # the earlier source only has the page's country, twice as often as the stated one
    record = _record(stored("SY", inferred=True), stored("SY", inferred=True), stored("FR"))
    assert record["nationality"] == "FR" and record["inferred_fields"] == []


def test_a_nationality_nobody_states_is_marked() -> None:
    record = _record(stored("SY", inferred=True), stored(None))
    assert record["nationality"] == "SY" and record["inferred_fields"] == ["nationality"]
    assert _record(stored(None))["inferred_fields"] == []


def test_an_inferred_nationality_does_not_keep_two_accounts_apart() -> None:
    from exitlens.store.case_store import CasePerson

    def person(doc: int, profile: dict[str, Any]) -> CasePerson:
        values, spans, inferred = _plain_profile(profile)
        return CasePerson(person_id=doc, document_id=doc, name="Sami Aziz", profile=values,
                          spans=spans, inferred=inferred)

    assert conflicts(person(1, stored("SY", inferred=True)), person(2, stored("FR"))) is None
    assert conflicts(person(1, stored("SY")), person(2, stored("FR"))) == \
        "nationality differs: SY / FR"
