"""The review part of :class:`exitlens.Project`: accounts, human review decisions, the
audit history and undo — shared by the CLI (``exitlens user``, ``exitlens history``) and
the web app (``exitlens serve``). :class:`Project` inherits these methods; the storage
behind them is :mod:`exitlens.store.users` and :mod:`exitlens.store.review_store`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .errors import ExitlensError, NotFoundError
from .model import EXCLUSION_REASONS
from .store import case_store, review_store, review_views
from .store import users as user_store
from .store.review_store import ReviewError
from .store.schema import DocumentRow
from .store.sql import among

if TYPE_CHECKING:
    import pandas as pd

    from .coding.codebook import Codebook
    from .config import Settings
    from .store import Database
    from .store.users import User


class ReviewMethods:
    db: Database
    settings: Settings
    actor: str
    url: str
    codebook: Callable[[], Codebook]
    state_stamp: Callable[[], tuple[Any, ...]]
    case_frames: Callable[[], tuple[pd.DataFrame, pd.DataFrame, Codebook]]

    def state_cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """A derived value (a page total, the queue length, corpus counts) kept while the
        analysis state stamp is unchanged: computing it visits every document or coding."""
        stamp = self.state_stamp()
        cache: dict[Any, Any] = self.__dict__.setdefault("_count_cache", {})
        if cache.get("stamp") != stamp:
            cache.clear()
            cache["stamp"] = stamp
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def _count_cached(self, key: tuple[Any, ...], count: Callable[[], int]) -> int:
        return int(self.state_cached(key, count))

    # ------------------------------------------------------------ accounts
    def as_actor(self, actor: str) -> Any:
        """The same project (same database connection pool) writing events as ``actor``."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.actor = actor
        return clone

    def add_user(self, name: str, role: str, password: str) -> User:
        """Create a web app account (role ``admin``, ``coder`` or ``viewer``)."""
        with self.db.session() as session:
            return user_store.add_user(session, name, role, password, self.actor)

    def set_user_active(self, name: str, active: bool) -> User:
        """Deactivate or reactivate an account (logged; never the last active admin)."""
        with self.db.session() as session:
            return user_store.set_active(session, name, active, self.actor)

    def users(self) -> list[User]:
        with self.db.session() as session:
            return user_store.list_users(session)

    def user(self, name: str) -> User | None:
        with self.db.session() as session:
            return user_store.get_user(session, name)

    def count_admins(self) -> int:
        with self.db.session() as session:
            return user_store.count_admins(session)

    def authenticate(self, name: str, password: str) -> User | None:
        """The active user with this name and password, else None."""
        with self.db.session() as session:
            return user_store.authenticate(session, name, password)

    # ------------------------------------------------------------ review reads
    def review_queue(self, *, limit: int = 50, offset: int = 0,
                     document_id: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """Suggested codings, most uncertain first (confidence nearest 0.5), each with its
        evidence in context; and how many there are in all."""
        def count() -> int:
            with self.db.session() as session:
                return review_views.review_queue_total(session, document_id)

        total = self._count_cached(("queue", document_id), count)
        with self.db.session() as session:
            return review_views.review_queue(session, limit=limit, offset=offset,
                                             document_id=document_id, total=total)

    def _subtrees(self) -> dict[str, list[str]]:
        """Top-level code → itself and every code below it (the current codebook)."""
        codebook = self.codebook()
        out: dict[str, list[str]] = {}
        for code in codebook.codes:
            out.setdefault(codebook.root(code), []).append(code)
        return out

    def near_miss_queue(self, *, limit: int = 50, offset: int = 0,
                        document_id: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """Codes the coders leaned towards for a defector but did not suggest, strongest
        first, each on the evidence unit it scored highest with the unit in context — the
        reasons a reviewer may add (``decide_near_miss``); and how many are open, counted
        up to ``review_views.NEAR_MISS_COUNT_CAP`` (10,000). Near misses already
        answered (a coding of that code, or one below it, exists for the person) or on a
        person no longer taken for a defector are left out."""
        subtrees = self._subtrees()

        def count() -> int:
            with self.db.session() as session:
                return review_views.near_miss_total(session, subtrees, document_id)

        total = self._count_cached(("near_misses", document_id), count)
        with self.db.session() as session:
            return review_views.near_miss_queue(session, subtrees, limit=limit,
                                                offset=offset, document_id=document_id,
                                                total=total)

    def decide_near_miss(self, near_miss_id: int, present: bool) -> dict[str, Any]:
        """Answer a near miss: the code applies to the person on that unit (``present``:
        an accepted human coding, which counts and teaches ``train --reviewed``) or not
        (a rejected one: never counted, a negative for that code when training). Both are
        audit events, survive re-analysis and can be undone."""
        subtrees = self._subtrees()
        with self.db.session() as session:
            row = review_store.decide_near_miss(session, self.actor, near_miss_id, present,
                                                subtrees)
            return review_views.coding_dict(row)

    def code_checks(self) -> dict[str, int]:
        """How far reviewers have checked the codes the tables count
        (:func:`code_check_counts`), kept while the analysis state is unchanged."""
        def compute() -> dict[str, int]:
            try:
                codings: pd.DataFrame | None = self.case_frames()[1]
            except ExitlensError:  # nothing to count yet
                codings = None
            return code_check_counts(codings, self.near_miss_queue(limit=0)[1])

        return dict(self.state_cached(("code_checks",), compute))

    def _checked_people(self) -> set[int]:
        """The people a reviewer's verdict stands on (kept while the state is unchanged)."""
        def compute() -> set[int]:
            with self.db.session() as session:
                return review_store.checked_person_ids(session)

        return set(self.state_cached(("checked_people",), compute))

    def _people_to_check(self, which: str, limit: int, offset: int
                         ) -> tuple[list[dict[str, Any]], int]:
        checked = self._checked_people()

        def count() -> int:
            with self.db.session() as session:
                return review_views.people_total(session, which, checked)

        total = self._count_cached(("people_to_check", which), count)
        with self.db.session() as session:
            return review_views.people_to_check(session, which, checked, limit=limit,
                                                offset=offset, total=total)

    def defector_queue(self, *, limit: int = 20, offset: int = 0
                       ) -> tuple[list[dict[str, Any]], int]:
        """Defectors of the current analyses no reviewer has checked, least certain first,
        and how many there are, counted up to ``review_views.PEOPLE_COUNT_CAP`` (10,000)
        (each: id, document_id, title, label, role, confidence — the role's — and score,
        the role model's probability)."""
        return self._people_to_check("defectors", limit, offset)

    def possible_defectors(self, *, limit: int = 20, offset: int = 0
                           ) -> tuple[list[dict[str, Any]], int]:
        """Per document, the person the machine did not call a defector whom its role
        model rated highest, among those no reviewer has checked, strongest first; and how
        many documents have one (up to the cap). A verdict on the person
        (``set_verdict``, agreeing with the machine included) takes them off the list.
        Measured on unseen labelled pages (``benchmarks/bench_review_effort.py``)."""
        return self._people_to_check("possible", limit, offset)

    def document_page(self, *, ids: Sequence[int] | None = None, outlet: str | None = None,
                      kind: str | None = None, has_defectors: bool | None = None,
                      review_status: str | None = None, limit: int = 50, offset: int = 0
                      ) -> tuple[list[dict[str, Any]], int]:
        """Documents with their review state (``not_analysed``, ``no_codings``,
        ``unreviewed``, ``in_progress``, ``reviewed``), filtered and paginated."""
        if review_status and review_status not in review_views.REVIEW_STATUSES:
            raise ReviewError(f"unknown review status {review_status!r}: one of "
                              f"{', '.join(review_views.REVIEW_STATUSES)}")
        filters = {"ids": tuple(ids) if ids is not None else None, "outlet": outlet,
                   "kind": kind, "has_defectors": has_defectors, "review_status": review_status}

        def count() -> int:
            with self.db.session() as session:
                return review_views.document_page(session, **filters, limit=0)[1]  # type: ignore[arg-type]

        total = self._count_cached(("documents", *filters.values()), count)
        with self.db.session() as session:
            return review_views.document_page(session, **filters, limit=limit,  # type: ignore[arg-type]
                                              offset=offset, total=total)

    def document_filters(self) -> dict[str, list[str]]:
        """The outlets and kinds to filter by (kept while the analysis state is unchanged)."""
        stamp = self.state_stamp()
        cached = self.__dict__.get("_filters_cache")
        if cached is None or cached[0] != stamp:
            with self.db.session() as session:
                cached = (stamp, review_views.filter_options(session))
            self.__dict__["_filters_cache"] = cached
        return {k: list(v) for k, v in cached[1].items()}

    def document_codings(self, document_id: int) -> list[dict[str, Any]]:
        """The codings of a document's current analysis, with status, version and user."""
        with self.db.session() as session:
            return review_views.document_codings(session, document_id)

    def coding(self, coding_id: int) -> dict[str, Any]:
        with self.db.session() as session:
            found = review_views.coding(session, coding_id)
        if found is None:
            raise NotFoundError(f"no coding with id {coding_id}")
        return found

    # ------------------------------------------------------------ review writes
    def _check_code(self, code: str) -> str:
        codebook = self.codebook()
        if code not in codebook.codes:
            raise ReviewError(f"unknown code {code!r}: not in codebook {codebook.name}",
                              code="unknown_code")
        return code

    def decide_coding(self, coding_id: int, version: int, *, status: str | None = None,
                      code: str | None = None, span: tuple[int, int] | None = None
                      ) -> dict[str, Any]:
        """Accept/reject (``status``), change the code, or adjust the span of a coding.
        ``version`` is the version the reviewer saw: if the coding changed since, nothing
        is written and :class:`ConflictError` carries the current value."""
        if code is not None:
            self._check_code(code)
        with self.db.session() as session:
            row = review_store.decide_coding(session, self.actor, coding_id, version,
                                             status=status, code=code, span=span)
            return review_views.coding_dict(row)

    def add_coding(self, document_id: int, code: str, start: int, end: int, *,
                   person_id: int | None = None) -> dict[str, Any]:
        """A human coding of ``[start, end)`` (code points) for a person of the document."""
        self._check_code(code)
        with self.db.session() as session:
            row = review_store.add_coding(session, self.actor, document_id, person_id, code,
                                          start, end)
            return review_views.coding_dict(row)

    def set_verdict(self, person_id: int, verdict: str, *, seen: str,
                    reason: str | None = None) -> None:
        """Defector (``defector``) or not (``not_defector``) for one person; ``seen`` is the
        verdict the reviewer saw; ``reason`` (with ``not_defector``) is why they are ruled
        out, one of :data:`exitlens.model.EXCLUSION_REASONS`. Agreeing with the machine
        records that the person was checked (it takes them off ``defector_queue`` and
        ``possible_defectors``). Cases are rebuilt in the same transaction."""
        with self.db.session() as session:
            review_store.set_verdict(session, self.actor, person_id, verdict, seen, reason)
            session.flush()
            case_store.resolve_cases(session, self.actor)

    def verdict_reasons(self, document_id: int) -> dict[int, str]:
        """Why reviewers ruled out people of the document's current analysis (person id →
        reason id), for those where they said."""
        with self.db.session() as session:
            return {pid: info["reason"] for pid, info
                    in review_store.verdict_reasons(session, document_id).items()}

    def person_verdicts(self) -> pd.DataFrame:
        """The reviewers' standing verdicts on people, oldest first: whom they ruled out as
        defectors (and why, when they said), whom they called defectors the machine did
        not, and where they agreed with the machine (``verdict`` equal to ``machine``).
        Columns: document_id, title, person_id (current analysis; None when gone),
        person, start (first mention), machine (the machine's verdict), verdict, reason,
        reason_label, reviewer, at."""
        import pandas as pd

        with self.db.session() as session:
            rows = review_store.standing_verdicts(session)
            ids = sorted({r["document_id"] for r in rows})
            titles = dict(session.execute(select(DocumentRow.id, DocumentRow.title)
                                          .where(among(DocumentRow.id, ids))).all())
        return pd.DataFrame(
            [{"document_id": r["document_id"], "title": titles.get(r["document_id"]),
              "person_id": r["person_id"], "person": r["person"], "start": r["start"],
              "machine": r["machine"],
              "verdict": r["verdict"], "reason": r["reason"],
              "reason_label": EXCLUSION_REASONS.get(r["reason"] or ""),
              "reviewer": r["actor"], "at": r["at"]} for r in rows],
            columns=["document_id", "title", "person_id", "person", "start", "machine", "verdict",
                     "reason", "reason_label", "reviewer", "at"])

    def set_profile_field(self, person_id: int, field: str, value: Any, *,
                          span: tuple[int, int] | None = None, seen: Any = None) -> None:
        """Correct one profile field of a person (``value`` None or "" clears it)."""
        with self.db.session() as session:
            review_store.set_profile_field(session, self.actor, person_id, field, value,
                                           span, seen)
            session.flush()
            case_store.resolve_cases(session, self.actor)

    def awaits_rereading(self, document_id: int) -> bool:
        """Whether reviewers' verdicts on this document's people changed since it was read
        (the next ``analyze`` reads it again with them)."""
        with self.db.session() as session:
            return bool(review_store.verdicts_since_analysis(session, document_id))

    def undo_last(self) -> dict[str, Any]:
        """Revert this actor's most recent change — a review decision, or a case merge or
        split — by a compensating event (the log stays append-only)."""
        with self.db.session() as session:
            event = review_store.undo_last(session, self.actor)
            if event.payload.get("kind") in ("review.person", "review.profile", "case.merge",
                                             "case.split"):
                session.flush()
                case_store.resolve_cases(session, self.actor)
            return {"id": event.id, "undoes": event.payload["undoes"],
                    "action": event.payload["kind"],
                    "document_id": event.entity_id if event.entity == "document" else None}

    def history(self, *, document_id: int | None = None, user: str | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
        """The audit log, newest first, of one document and/or one user."""
        with self.db.session() as session:
            return review_store.history(session, document_id=document_id, actor=user,
                                        limit=limit)


# ------------------------------------------------------------ how far codes are checked
def code_check_counts(codings: pd.DataFrame | None, open_near_misses: int) -> dict[str, int]:
    """Of the codings the tables count (``Project.case_codings()``): the machine's
    suggestions ``accepted``, ``rejected`` and still ``unchecked``; the codes reviewers
    ``added`` (accepted human codings: a near miss answered *add the code*, or a code on a
    passage they selected) and ``ruled_out`` (a near miss answered *not this code*); and
    the ``open_near_misses`` (possible missed codes not yet answered, counted up to
    ``review_views.NEAR_MISS_COUNT_CAP``)."""
    out = dict.fromkeys(("accepted", "rejected", "unchecked", "added", "ruled_out"), 0)
    out["open_near_misses"] = int(open_near_misses)
    if codings is None or codings.empty:
        return out
    human = codings["coder"].fillna("").astype(str).str.startswith("human")
    status = codings["status"]
    out["accepted"] = int((~human & (status == "accepted")).sum())
    out["rejected"] = int((~human & (status == "rejected")).sum())
    out["unchecked"] = int((~human & (status == "suggested")).sum())
    out["added"] = int((human & (status == "accepted")).sum())
    out["ruled_out"] = int((human & (status == "rejected")).sum())
    return out


def code_checks_line(counts: dict[str, int]) -> str | None:
    """The overview's account of the codes reviewers checked, or None before any."""
    decided = counts["accepted"] + counts["rejected"]
    if not decided and not counts["added"] and not counts["ruled_out"]:
        return None
    return (f"{decided} of {decided + counts['unchecked']} machine suggestions "
            f"({counts['accepted']} accepted, {counts['rejected']} rejected); "
            f"{counts['added']} codes added by reviewers; "
            f"{counts['open_near_misses']} possible missed codes not yet answered")


def lopsided_review(counts: dict[str, int]) -> str | None:
    """A warning when reviewers have taken more codes away than they added while
    possible missed codes wait: the shares then run low. Rejecting a wrong suggestion is
    right, but the machine also misses codes — on unseen real pages about as many as it
    suggests wrongly (``benchmarks/bench_code_review.py``: checking the whole review queue
    and no near miss left the exit family shares 6.5 points off on average, against 2.4
    for the machine's own codes) — and only the missed codes put them back."""
    if counts["rejected"] <= counts["added"] or not counts["open_near_misses"]:
        return None
    return (f"reviewers have rejected {counts['rejected']} of the machine's suggestions and "
            f"added {counts['added']} codes, and {counts['open_near_misses']} possible missed "
            "codes are not yet answered: removing wrong codes without looking for missed "
            "ones makes every share run low (on unseen real pages the machine missed about "
            "as many codes as it suggested wrongly). Answer the possible missed codes before "
            "citing these shares")
