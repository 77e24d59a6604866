"""Learning from review: the :class:`exitlens.Project` methods that compare the automatic
coders with the reviewers (``exitlens agreement``) and learn the next classifier version
from reviewed codings (``exitlens train --reviewed``: the built-in classifier adapted to
them, or one trained on them alone). Mixed into ``Project``.

The reviewers' decisions are the codings a person accepted (present) or rejected (absent),
including round adjudications. Each unit is one (document, defector, code) a person
decided. Units nobody suggested and nobody added are not decided by anyone, so the
figures describe the automatic coders *on reviewed material*: a code the machine never
suggests and no reviewer adds is invisible here (blind rounds measure that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .agreement import agreement
from .errors import ExitlensError

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from .coding.codebook import Codebook
    from .config import Settings
    from .model import DocumentReading
    from .store import Database

REVIEW = "review"  # the reviewers, as one coder in the agreement tables
PIPELINE = "pipeline"  # the stored suggestions (what reviewers were shown)
ALL_CODES = "(all codes)"
CODER_AGREEMENT_COLUMNS = ("coder", "group", "n_units", "n_positive", "prevalence",
                           "percent_agreement", "kappa", "alpha", "ac1", "warning")


class TooFewReviews(ExitlensError):
    """Not enough reviewed codings to fit a classifier version from them."""

    code = "too_few_reviews"


def _person_unit(reading: DocumentReading, index: int) -> str:
    person = reading.persons[index]
    start = min((m.span.start for m in person.mentions), default=0)
    return f"{reading.document.id}/{start}"


class LearningMethods:
    """Automatic coders versus reviewers, and training from reviews."""

    db: Database
    actor: str
    _pipeline: Any

    if TYPE_CHECKING:
        def codebook(self) -> Codebook: ...
        def pipeline_settings(self) -> Settings: ...
        def reviewed_readings(self) -> list[DocumentReading]: ...
        def train(self, gold_paths: Sequence[str | Path], *, from_reviews: bool = True,
                  name: str | None = None, min_defectors: int | None = None,
                  from_scratch: bool = False, held_out: bool = True) -> dict[str, Any]: ...

    def review_decisions(self, coders: Sequence[str] | None = None, *,
                         floor: float = 0.5) -> pd.DataFrame:
        """Decisions frame (``group, unit, coder, value``; :mod:`exitlens.agreement`) of the
        reviewers (coder ``review``), of the stored suggestions (``pipeline``: what the
        reviewers were shown) and of each automatic coder in ``coders`` (default
        ``coding.coders``) re-run now on the reviewed defectors' evidence (present when it
        gives the code confidence ≥ ``floor``), over every reviewed unit."""
        import pandas as pd

        from .coding.base import items_for
        from .coding.stage import build_coders, scope
        from .pipeline import PipelineContext

        codebook = self.codebook()
        readings = self.reviewed_readings()
        settings = self.pipeline_settings()
        names = list(coders) if coders is not None else list(settings.coding.coders)
        built = build_coders(PipelineContext(settings), [n for n in names if n != PIPELINE])
        rows: list[dict[str, Any]] = []
        for reading in readings:
            human: dict[tuple[int, str], bool] = {}
            shown: set[tuple[int, str]] = set()
            for c in reading.codings:
                if c.person is None or c.code not in codebook:
                    continue
                key = (c.person, c.code)
                if not (c.coder == "human" or c.coder.startswith("human:")):
                    shown.add(key)
                if c.status in ("accepted", "rejected"):
                    human[key] = human.get(key, False) or c.status == "accepted"
            if not human:
                continue
            verdicts: dict[str, set[tuple[int, str]]] = {}
            items = [it for it in items_for([reading])
                     if any(p == it.person_index for p, _ in human)]
            for coder in built:
                results = coder.code(items, codebook) if items else []
                found: set[tuple[int, str]] = set()
                for item, res in zip(items, results, strict=True):
                    kept = [r for r in res if r.code in codebook]
                    if coder.name != "rules":
                        kept = scope(item, kept, codebook)
                    found.update((item.person_index, r.code) for r in kept
                                 if r.confidence >= floor)
                verdicts[coder.name] = found
            for (person, code), value in human.items():
                unit = _person_unit(reading, person)
                rows.append({"group": code, "unit": unit, "coder": REVIEW, "value": value})
                if PIPELINE in names:
                    rows.append({"group": code, "unit": unit, "coder": PIPELINE,
                                 "value": (person, code) in shown})
                for name, found in verdicts.items():
                    rows.append({"group": code, "unit": unit, "coder": name,
                                 "value": (person, code) in found})
        return pd.DataFrame(rows, columns=["group", "unit", "coder", "value"])

    def coder_agreement(self, coders: Sequence[str] | None = None, *,
                        floor: float = 0.5) -> pd.DataFrame:
        """How each automatic coder agrees with the reviewers: one row per (coder, code)
        plus an ``(all codes)`` row per coder (columns :data:`CODER_AGREEMENT_COLUMNS`;
        ``prevalence`` is the share of "present" among both sides' decisions). ``coders``
        default to ``pipeline`` (the stored suggestions) and every configured coder.
        A coder trained on these very reviews (``train --reviewed``) is scored on its own
        training data: its figures are optimistic (``.attrs["note"]``)."""
        import pandas as pd

        names = list(coders) if coders is not None else [
            PIPELINE, *self.pipeline_settings().coding.coders]
        decisions = self.review_decisions(names, floor=floor)
        if decisions.empty:
            raise ExitlensError("no reviewed codings yet: accept or reject suggestions "
                                "(or adjudicate a round) first", code="no_reviews")
        tables = []
        for name in names:
            part = decisions[decisions["coder"].isin([name, REVIEW])]
            if not (part["coder"] == name).any():
                continue
            pooled = part.assign(unit=part["unit"] + "/" + part["group"], group=ALL_CODES)
            table = agreement(pd.concat([pooled, part], ignore_index=True))
            table.insert(0, "coder", name)
            tables.append(table)
        out = pd.concat(tables, ignore_index=True)[list(CODER_AGREEMENT_COLUMNS)]
        out.attrs["note"] = (
            "units are the (defector, code) pairs a reviewer accepted or rejected; κ, α and "
            "AC1 compare each automatic coder with the reviewers on them. A classifier "
            "trained from these reviews is scored on its own training data.")
        return out

    def train_from_reviews(self, *, name: str | None = None,
                           min_defectors: int | None = None,
                           from_scratch: bool = False) -> dict[str, Any]:
        """Save the next classifier version learned from accepted (positive) and rejected
        (negative for that code) codings alone, no gold file needed: by default the
        built-in classifier adapted to them (refused, ``too_few_reviews``, before any
        coding was accepted). ``from_scratch`` trains on the reviews alone and is refused
        unless at least one code has ``min_defectors`` (default: the classifier's back-off
        floor, 10) reviewed defectors with it accepted: below that the version would leave
        every code to the other coders."""
        from .coding.classifier import MIN_DEFECTORS, reviewed_defectors
        from .coding.training import most_counted

        floor = MIN_DEFECTORS if min_defectors is None else min_defectors
        readings = self.reviewed_readings()
        counts = reviewed_defectors(readings, self.codebook())
        n_accepted = sum(c.status == "accepted" for r in readings for c in r.codings)
        n_rejected = sum(c.status == "rejected" for r in readings for c in r.codings)
        ready = {c: n for c, n in counts.items() if n >= floor}
        reviews = (f"{n_accepted} accepted and {n_rejected} rejected codings in "
                   f"{len(readings)} documents")
        if from_scratch and not ready:
            most = most_counted(counts, "reviewed")
            raise TooFewReviews(
                f"training from reviews from scratch needs at least {floor} defectors with "
                f"an accepted coding of one code; {most} ({reviews}). Review more "
                "suggestions, adapt the built-in classifier instead (without "
                "--from-scratch), or train from a labelled file: `exitlens train FILE.jsonl`")
        if not counts:
            raise TooFewReviews(
                f"no accepted coding to learn from yet ({reviews}): accept the suggestions "
                "that are right (and reject the wrong ones) first")
        report = self.train([], from_reviews=True, name=name, min_defectors=floor,
                            from_scratch=from_scratch)
        report["reviewed"] = {"documents": len(readings), "accepted": n_accepted,
                              "rejected": n_rejected, "defectors_per_code": counts,
                              "codes_learned": sorted(ready)}
        return report
