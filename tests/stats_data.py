"""Small fictional case and coding frames for the statistics and report tests.

Every name, outlet and quote here is invented for exitlens tests.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from exitlens.coding.codebook import Codebook, parse_codebook

NESTED_CODEBOOK = """\
name: tiny
dimensions:
  - id: exit
    label: Why they left
    families:
      - id: harsh
        label: Harshness
        codes:
          - id: brutality
            label: Brutality
            children:
              - id: executions
                label: Executions
          - id: corruption
            label: Corruption
      - id: pull
        label: Pull
        codes:
          - id: family
            label: Family
  - id: join
    label: Why they joined
    families:
      - id: motive
        label: Motive
        codes:
          - id: join_religion
            label: Religion
          - id: join_material
            label: Material
  - id: barrier
    label: What made leaving hard
    codes:
      - id: fear_of_reprisal
        label: Fear of reprisal
"""


def tiny_codebook() -> Codebook:
    return parse_codebook(NESTED_CODEBOOK, source="tiny.yaml")


def case(case_id: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_id": case_id, "label": f"Case {case_id}", "n_sources": 1,
        "document_ids": [case_id], "person_ids": [case_id * 10], "names": [f"Abu Test{case_id}"],
        "descriptor": "a fictional defector", "gender": "m", "nationality": None,
        "origin_region": None, "age": None, "joined_year": 2014, "left_year": 2015,
        "role": "fighter", "exit_mode": "escaped", "outcome": None, "outlets": ["Daily Test"],
        "outlet_kind": "news", "outlet_kinds": ["news"], "first_published": "2016-01-02",
        "flags": [], "flag_details": [], "merge_score": None, "merge_reasons": [],
    }
    row.update(fields)
    return row


def coding(case_id: int, code: str, status: str = "suggested", **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_id": case_id, "coding_id": None, "person_id": case_id * 10,
        "document_id": case_id, "code": code, "status": status, "coder": "rules",
        "confidence": 0.7, "start": 0, "end": 10, "text": f"fictional evidence for {code}",
        "speaker": f"Abu Test{case_id}", "outlet": "Daily Test", "published": "2016-01-02",
        "title": "A fictional interview", "kind": "news",
    }
    row.update(fields)
    return row


def frames(cases: list[dict[str, Any]], codings: list[dict[str, Any]]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    for i, row in enumerate(codings, start=1):
        if row["coding_id"] is None:
            row["coding_id"] = i
    return pd.DataFrame(cases), pd.DataFrame(codings, columns=list(coding(0, "x")))


def corpus() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six cases over the tiny codebook, one of them flagged."""
    cases = [
        case(1, nationality="TN"),
        case(2, nationality="FR", gender="f", left_year=2016),
        case(3, nationality="TN", flags=["court_or_custody"], flag_details=[
            {"flag": "court_or_custody", "reason": "told in a courtroom", "document_id": 3,
             "start": 0, "end": 5, "field": None, "values": None}]),
        case(4, gender=None, left_year=None, origin_region="Balkans"),
        case(5, nationality="DE"),
        case(6, nationality="FR"),
    ]
    codings = [
        # case 1: brutality from three documents, one accepted
        coding(1, "brutality", "accepted", document_id=1),
        coding(1, "brutality", "suggested", document_id=7),
        coding(1, "brutality", "suggested", document_id=8),
        coding(1, "join_religion", "accepted"),
        # case 2: only a child code, suggested
        coding(2, "executions", "suggested"),
        coding(2, "join_religion", "suggested"),
        # case 3: rejected exit coding, accepted family pull
        coding(3, "corruption", "rejected"),
        coding(3, "family", "accepted"),
        # case 4: join only
        coding(4, "join_material", "accepted"),
        # case 5: corruption suggested, barrier accepted
        coding(5, "corruption", "suggested", confidence=0.9),
        coding(5, "fear_of_reprisal", "accepted"),
        # case 6: nothing counted
        coding(6, "family", "rejected"),
    ]
    return frames(cases, codings)
