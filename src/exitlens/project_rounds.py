"""Blind coding rounds and agreement: the :class:`exitlens.Project` methods behind
``exitlens rounds …`` and the web app's round pages (mixed into ``Project``).

A round is a set of documents × coders. Each coder decides, for every defector the
pipeline found in their documents, whether the person is a defector and, for each code of
the round, whether it is present (with a span). While the round is open nobody can read
another coder's decisions through this API (:meth:`round_decisions` needs a coder name;
counts per coder are all an admin sees). Closing computes the agreement figures
(:mod:`exitlens.agreement`) and stores them with the round; disagreements are then listed
side by side, and an admin's adjudication becomes an accepted coding (a normal
``codings`` row, ``user`` = the adjudicator) plus an event.

Coders see the pipeline's suggestions while deciding unless the round was created with
``blind_to_machine=True``: shown suggestions anchor every coder alike and can inflate
agreement, so reliability studies should use blind-to-machine rounds (the round and its
agreement table say which kind it was).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .agreement import DEFECTOR, agreement, pairwise
from .store import round_store
from .store.round_store import CLOSED, RoundError, Unit
from .store.schema import CodingRow, EventRow, ReviewRoundRow

if TYPE_CHECKING:
    import pandas as pd

    from .coding.codebook import Codebook
    from .store import Database


ROUND_COLUMNS = ("id", "name", "status", "blind_to_machine", "n_documents", "coders",
                 "n_units", "progress", "created_by", "created_at", "closed_at")
WORK_COLUMNS = ("unit", "document_id", "person", "label", "code", "suggested",
                "suggested_confidence", "suggested_start", "suggested_end", "value",
                "start", "end")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


class RoundMethods:
    """Blind rounds, agreement and learning from review (see the module docstring)."""

    db: Database
    actor: str

    if TYPE_CHECKING:
        def codebook(self) -> Codebook: ...

    # ------------------------------------------------------------ rounds
    def create_round(self, name: str, *, coders: Sequence[str],
                     documents: Sequence[int] | None = None, sample: int | None = None,
                     seed: int | None = None, codes: Sequence[str] | None = None,
                     blind_to_machine: bool = False) -> dict[str, Any]:
        """Create an open round over ``documents`` (ids) or a random ``sample`` of analysed
        documents that hold a defector (``seed`` makes the draw repeatable and is stored),
        for ``coders`` (two or more user names) and ``codes`` (default: the whole codebook).
        """
        name = name.strip()
        coder_list = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
        if not name:
            raise RoundError("a round needs a name")
        if len(coder_list) < 2:
            raise RoundError("a round needs at least two coders (agreement compares them)")
        if (documents is None) == (sample is None):
            raise RoundError("give either document ids or a sample size")
        codebook = self.codebook()
        code_list = list(codes) if codes else list(codebook.codes)
        unknown = [c for c in code_list if c not in codebook]
        if unknown:
            raise RoundError(f"codes not in the codebook: {', '.join(unknown)}")
        extra: dict[str, Any] = {}
        with self.db.session() as session:
            eligible = round_store.analysed_documents_with_defectors(session)
            if sample is not None:
                if sample < 1 or sample > len(eligible):
                    raise RoundError(f"cannot sample {sample} documents: {len(eligible)} "
                                     "analysed documents hold a defector")
                seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
                doc_ids = sorted(random.Random(seed).sample(eligible, sample))
                extra = {"sample": sample, "seed": seed}
            else:
                doc_ids = list(dict.fromkeys(int(d) for d in documents or []))
                if not doc_ids:
                    raise RoundError("a round needs at least one document")
                missing = sorted(set(doc_ids) - round_store.existing_documents(session, doc_ids))
                if missing:
                    raise RoundError(f"no document with id {', '.join(map(str, missing))}")
                without = sorted(set(doc_ids) - set(eligible))
                if without:
                    raise RoundError(
                        f"document(s) {', '.join(map(str, without))} hold no defector in their "
                        "current analysis (run `exitlens analyze` first, or leave them out)")
            row = round_store.create_round(
                session, name=name, document_ids=doc_ids, coders=coder_list, codes=code_list,
                blind_to_machine=blind_to_machine, actor=self.actor, extra_meta=extra)
            session.add(EventRow(actor=self.actor, action="round.create", entity="round",
                                 entity_id=row.id,
                                 payload={"name": name, "documents": doc_ids,
                                          "coders": coder_list, "codes": len(code_list),
                                          "blind_to_machine": blind_to_machine, **extra}))
            return self._round_summary(session, row)

    def _round_summary(self, session: Any, row: ReviewRoundRow) -> dict[str, Any]:
        units = round_store.round_units(row)
        return {
            "id": row.id, "name": row.name, "status": row.status,
            "blind_to_machine": bool(row.blind_to_machine),
            "documents": list(row.meta.get("documents", [])),
            "coders": list(row.meta.get("coders", [])),
            "codes": list(row.meta.get("codes", [])),
            "n_units": len(units),
            "n_persons": len({u.person_unit for u in units}),
            "progress": round_store.progress(session, row),
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "closed_by": row.closed_by,
            "closed_at": row.closed_at.isoformat() if row.closed_at else None,
            "seed": row.meta.get("seed"),
        }

    def rounds(self) -> pd.DataFrame:
        """Every round, newest first (columns :data:`ROUND_COLUMNS`; ``progress`` is
        decisions made per coder out of the units each must decide)."""
        import pandas as pd

        records = []
        with self.db.session() as session:
            for row in session.scalars(select(ReviewRoundRow).order_by(ReviewRoundRow.id.desc())):
                s = self._round_summary(session, row)
                per_coder = s["n_units"]  # every coder is assigned every document
                records.append({
                    "id": s["id"], "name": s["name"], "status": s["status"],
                    "blind_to_machine": s["blind_to_machine"],
                    "n_documents": len(s["documents"]), "coders": ", ".join(s["coders"]),
                    "n_units": s["n_units"],
                    "progress": ", ".join(f"{c} {n}/{per_coder}"
                                          for c, n in s["progress"].items()),
                    "created_by": s["created_by"], "created_at": s["created_at"],
                    "closed_at": s["closed_at"]})
        return pd.DataFrame(records, columns=list(ROUND_COLUMNS))

    def round(self, round_id: int) -> dict[str, Any]:
        """One round: documents, coders, codes, units and per-coder progress (counts only)."""
        with self.db.session() as session:
            return self._round_summary(session, round_store.get_round(session, round_id))

    def round_work(self, round_id: int, coder: str) -> pd.DataFrame:
        """The units ``coder`` decides in the round, with their own decisions so far and —
        unless the round is blind to the machine — the pipeline's current suggestion for
        each code unit (columns :data:`WORK_COLUMNS`). Never another coder's decisions."""
        import pandas as pd

        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            mine_docs = {a.document_id for a in round_store.assignments(session, round_id)
                         if a.coder == coder}
            if not mine_docs:
                raise RoundError(f"{coder!r} is not a coder of round {round_id}",
                                 code="not_assigned")
            own = {d.unit_key: d for d in round_store.decisions(session, round_id, coder)}
            units = [u for u in round_store.round_units(row) if u.document_id in mine_docs]
            machine = ({} if row.blind_to_machine
                       else self._machine_suggestions(session, units))
            records = []
            for u in units:
                d = own.get(u.key)
                s = machine.get(u.key)
                records.append({
                    "unit": u.key, "document_id": u.document_id, "person": u.person_unit,
                    "label": u.label, "code": u.code or DEFECTOR,
                    "suggested": None if row.blind_to_machine else s is not None,
                    "suggested_confidence": s.confidence if s else None,
                    "suggested_start": s.start if s else None,
                    "suggested_end": s.end if s else None,
                    "value": d.value if d else None,
                    "start": d.start if d else None, "end": d.end if d else None})
        return pd.DataFrame(records, columns=list(WORK_COLUMNS))

    @staticmethod
    def _machine_suggestions(session: Any, units: Sequence[Unit]) -> dict[str, CodingRow]:
        """Unit key → the strongest automatic coding of that person and code."""
        out: dict[str, CodingRow] = {}
        people: dict[str, int | None] = {}
        for u in units:
            if u.code is None:
                continue
            if u.person_unit not in people:
                person = round_store.current_person(session, u.person_key)
                people[u.person_unit] = person.id if person else None
            pid = people[u.person_unit]
            if pid is None:
                continue
            for c in round_store.person_codings(session, pid, u.code):
                if not _is_human(c.coder):
                    out[u.key] = c
                    break
        return out

    def decide(self, round_id: int, unit: str, value: bool, *, coder: str,
               span: tuple[int, int] | None = None) -> dict[str, Any]:
        """Record (or change) ``coder``'s decision on one unit of an open round: for a code
        unit, present (``True``, with the evidence ``span``) or absent; for a
        ``…/defector`` unit, whether the person is a defector."""
        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            d = round_store.save_decision(session, row, coder=coder, unit=unit, value=value,
                                          span=span)
            return {"round": round_id, "unit": d.unit_key, "coder": d.coder, "value": d.value,
                    "start": d.start, "end": d.end}

    def round_decisions(self, round_id: int, coder: str | None = None) -> pd.DataFrame:
        """Decisions of a round: ``coder``'s own at any time; everyone's (``coder=None``)
        only once the round is closed (``round_open`` error before)."""
        import pandas as pd

        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            rows = round_store.readable_decisions(session, row, coder=coder)
            index = round_store.unit_index(row)
            records = [{"unit": d.unit_key, "coder": d.coder, "document_id": d.document_id,
                        "person": index[d.unit_key].person_unit if d.unit_key in index
                        else None,
                        "code": d.code or DEFECTOR, "value": bool(d.value), "start": d.start,
                        "end": d.end, "at": d.at.isoformat() if d.at else None}
                       for d in rows]
        return pd.DataFrame(records, columns=["unit", "coder", "document_id", "person", "code",
                                              "value", "start", "end", "at"])

    def _decision_frame(self, round_id: int) -> pd.DataFrame:
        frame = self.round_decisions(round_id)
        out = frame.rename(columns={"code": "group"})
        out["unit"] = frame["person"]
        return out[["group", "unit", "coder", "value"]]

    def close_round(self, round_id: int) -> pd.DataFrame:
        """Close an open round (no more decisions), compute its agreement figures, store
        them with the round and log the event. Returns :meth:`round_agreement`."""
        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            if row.status == CLOSED:
                raise RoundError(f"round {round_id} ({row.name}) is already closed",
                                 code="round_closed")
            row.status = CLOSED
            row.closed_by = self.actor
            row.closed_at = datetime.now(UTC)
        table = self.round_agreement(round_id)
        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            records = [{k: _json_safe(v) for k, v in r.items()}
                       for r in table.to_dict(orient="records")]
            row.meta = {**row.meta, "agreement": records}
            session.add(EventRow(actor=self.actor, action="round.close", entity="round",
                                 entity_id=round_id,
                                 payload={"progress": round_store.progress(session, row)}))
        return table

    def round_agreement(self, round_id: int, *, pairs: bool = False) -> pd.DataFrame:
        """Agreement per code and at defector level (:func:`exitlens.agreement.agreement`
        columns; with ``pairs`` the per-pair table of :func:`~exitlens.agreement.pairwise`)
        of a closed round; ``round_open`` before it closes. ``.attrs`` say whether coders
        saw the machine's suggestions."""
        frame = self._decision_frame(round_id)
        table = pairwise(frame) if pairs else agreement(frame)
        if not pairs and len(table):  # the defector row first, then codes in codebook order
            order = {DEFECTOR: -1, **{c: i for i, c in enumerate(self.codebook().codes)}}
            table = table.sort_values("group", key=lambda s: s.map(
                lambda g: order.get(g, len(order)))).reset_index(drop=True)
        info = self.round(round_id)
        table.attrs["round"] = info["name"]
        table.attrs["blind_to_machine"] = info["blind_to_machine"]
        table.attrs["note"] = (
            "coders did not see the machine's suggestions" if info["blind_to_machine"] else
            "coders saw the machine's suggestions: shared anchoring can inflate agreement")
        return table

    def round_disagreements(self, round_id: int) -> pd.DataFrame:
        """Units of a closed round whose coders disagree, side by side: one value and one
        span column per coder, the person's label, and the adjudication if one was made."""
        import pandas as pd

        decisions = self.round_decisions(round_id)
        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            index = round_store.unit_index(row)
            coders = list(row.meta.get("coders", []))
            adjudicated = self._adjudications(session, round_id)
        records = []
        for unit, part in decisions.groupby("unit", sort=False):
            if part["value"].nunique() < 2:
                continue
            u = index.get(str(unit))
            rec: dict[str, Any] = {"unit": unit, "document_id": int(part["document_id"].iloc[0]),
                                   "label": u.label if u else None,
                                   "code": part["code"].iloc[0]}
            for coder in coders:
                mine = part[part["coder"] == coder]
                if mine.empty:
                    rec[coder], rec[f"{coder}_span"] = None, None
                    continue
                d = mine.iloc[0]
                rec[coder] = bool(d["value"])
                rec[f"{coder}_span"] = (f"{int(d['start'])}-{int(d['end'])}"
                                        if pd.notna(d["start"]) else None)
            adj = adjudicated.get(str(unit))
            rec["adjudicated"] = adj["value"] if adj else None
            rec["adjudicated_by"] = adj["actor"] if adj else None
            records.append(rec)
        position = {key: i for i, key in enumerate(index)}  # document, person, code order
        records.sort(key=lambda r: position.get(str(r["unit"]), len(position)))
        columns = ["unit", "document_id", "label", "code",
                   *[x for c in coders for x in (c, f"{c}_span")], "adjudicated",
                   "adjudicated_by"]
        return pd.DataFrame(records, columns=columns)

    @staticmethod
    def _adjudications(session: Any, round_id: int) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for e in session.scalars(select(EventRow).where(
                EventRow.action == "round.adjudicate", EventRow.entity == "round",
                EventRow.entity_id == round_id).order_by(EventRow.id)):
            out[e.payload.get("unit")] = {"value": e.payload.get("value"), "actor": e.actor}
        return out

    def adjudicate(self, round_id: int, unit: str, value: bool, *,
                   span: tuple[int, int] | None = None) -> dict[str, Any]:
        """An admin's final say on one unit of a closed round, recorded as a normal human
        review decision (so it wins over later re-analyses and shows in the history).

        For a code unit the decision becomes the accepted coding: "present" accepts the
        person's suggestion for the code (moved to ``span`` when given) or adds a human
        coding at ``span`` (default: the span most coders chose); "absent" rejects every
        suggestion of the code. For a defector unit it is the defector / not-defector
        verdict on the person. ``user`` is the adjudicator. A ``round.adjudicate`` event
        names the unit, the value and the codings changed."""
        from .store import case_store, review_store

        with self.db.session() as session:
            row = round_store.get_round(session, round_id)
            if row.status != CLOSED:
                raise RoundError(f"round {round_id} ({row.name}) is still open: close it "
                                 "before adjudicating", code="round_open")
            u = round_store.unit_index(row).get(unit)
            if u is None:
                raise RoundError(f"round {round_id} has no unit {unit!r}")
            if span is not None:
                round_store.check_span(session, u.document_id, span)
            person = round_store.current_person(session, u.person_key)
            if person is None:
                raise RoundError(f"unit {unit}: the current analysis of document "
                                 f"{u.document_id} no longer has this person",
                                 code="person_gone")
            payload: dict[str, Any] = {"unit": unit, "value": bool(value), "code": u.code,
                                       "person_key": u.person_key, "after": []}
            changed: list[CodingRow] = []
            if u.code is None:
                seen = review_store.verdict_of(person.role)
                review_store.set_verdict(session, self.actor, person.id,
                                         "defector" if value else "not_defector", seen)
                payload["verdict"] = {"before": seen,
                                      "after": "defector" if value else "not_defector"}
                session.flush()
                case_store.resolve_cases(session, self.actor)
            else:
                existing = [c for c in round_store.person_codings(session, person.id, u.code)
                            if not _is_human(c.coder)]
                if value:
                    chosen = span or self._majority_span(session, round_id, unit)
                    if existing:
                        target = existing[0]
                        moved = chosen if chosen and chosen != (target.start, target.end) \
                            else None
                        changed = [review_store.decide_coding(
                            session, self.actor, target.id, target.version,
                            status="accepted", span=moved)]
                    elif chosen is None:
                        raise RoundError(f"unit {unit}: no coder gave a span; give one "
                                         "(--span START:END)", code="span_required")
                    else:
                        changed = [review_store.add_coding(session, self.actor, u.document_id,
                                                           person.id, u.code, *chosen)]
                else:
                    changed = [review_store.decide_coding(session, self.actor, c.id, c.version,
                                                          status="rejected")
                               for c in existing if c.status != "rejected"]
                session.flush()
                payload["after"] = [_coding_state(c) for c in changed]
            session.add(EventRow(actor=self.actor, action="round.adjudicate", entity="round",
                                 entity_id=round_id, payload=payload))
            return {"round": round_id, "unit": unit, "value": bool(value),
                    "codings": payload["after"], "verdict": payload.get("verdict")}

    @staticmethod
    def _majority_span(session: Any, round_id: int, unit: str) -> tuple[int, int] | None:
        spans = Counter((d.start, d.end) for d in round_store.decisions(session, round_id, None)
                        if d.unit_key == unit and d.value and d.start is not None
                        and d.end is not None)
        return spans.most_common(1)[0][0] if spans else None


def _is_human(coder: str) -> bool:
    """Codings people made (``human`` from the review app, ``human:<name>`` elsewhere)."""
    return coder == "human" or coder.startswith("human:")


def _coding_state(c: CodingRow) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "start": c.start, "end": c.end, "status": c.status,
            "coder": c.coder, "user": c.user}


__all__ = ["ROUND_COLUMNS", "WORK_COLUMNS", "RoundError", "RoundMethods"]
