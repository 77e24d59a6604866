"""How far to trust unreviewed suggestions: the built-in pipeline's measured accuracy per code.

A prevalence table counts unreviewed suggestions unless asked not to, and what a
suggestion is worth differs from code to code: on real pages the pipeline was not fitted
to, some codes are found in half the cases a reviewer would code, others in one in five.
A share that rests on suggestions of a code with low measured recall is an undercount; one
that rests on suggestions of a code with low precision holds wrong cases. The report and
``exitlens models --accuracy`` show those figures beside the counts, so nobody cites a
machine share without knowing which kind it is.

The figures come from ``benchmarks/bench_real.py --accuracy-out`` (grouped
cross-validation over the real labelled documents, whole pipeline: defectors found by the
reading stages, codes by the built-in coders, everything learned fitted on the training
folds only) and ship as ``data/coding/measured_accuracy.json``, per code twice: on every
English labelled page (more cases, but the reading rules and the lexicon were written with
some of them in view, so optimistic) and on the "unseen" pages only (those that arrived
after the rules were written: honest, but few cases per code). They describe the built-in
models with the default settings; :func:`not_applicable` says when a project's settings
make them describe something else. Counts are summed over the fold assignments;
``support`` is per assignment (the labelled cases of the code on those pages).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Settings
    from .codebook import Codebook

FORMAT = "exitlens-measured-accuracy"
FORMAT_VERSION = 1
MEASURED_FILE = "measured_accuracy.json"
# Below this many labelled cases per assignment a code's figures are too thin to read.
MIN_SUPPORT = 5
LOW_RECALL = 0.35
LOW_PRECISION = 0.5
UNLABELLED = "not used by the labelled sets: no measurement; review every suggestion"
COLUMNS = ["code", "label", "dimension", "support", "precision", "recall", "f1",
           "unseen_support", "unseen_precision", "unseen_recall", "reading"]


@dataclass(frozen=True)
class CodeAccuracy:
    """One code's counts over all fold assignments (tp, fp, fn of (defector, code) pairs)
    and its labelled cases per assignment."""

    code: str
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def measurable(self) -> bool:
        return self.support >= MIN_SUPPORT

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else None


@dataclass(frozen=True)
class FieldAccuracy:
    """A profile field of matched defectors: right of counted, summed over the fold
    assignments, and the defectors counted per assignment."""

    field: str
    right: int
    counted: int
    per_assignment: int

    @property
    def accuracy(self) -> float | None:
        return self.right / self.counted if self.counted else None


def reading(acc: CodeAccuracy, unseen: CodeAccuracy | None = None) -> str:
    """Plain guidance for a researcher reading a share of this code: from its figures on
    every labelled page (``acc``) and, where measurable, on the pages the rules were not
    written against (``unseen``; the lower figure of the two is the one named)."""
    if not acc.measurable:
        return (f"only {acc.support} labelled case{'s' if acc.support != 1 else ''}: "
                "not measurable; review every suggestion")
    parts = [acc] + ([unseen] if unseen is not None and unseen.measurable else [])
    notes = []
    recalls = [a.recall for a in parts if a.recall is not None]
    if recalls and min(recalls) < LOW_RECALL:
        notes.append(f"low recall ({min(recalls):.2f}): a share resting on suggestions "
                     "undercounts")
    precisions = [a.precision for a in parts if a.precision is not None]
    if precisions and min(precisions) < LOW_PRECISION:
        notes.append(f"low precision ({min(precisions):.2f}): many suggestions are wrong; "
                     "review before citing")
    return "; ".join(notes) if notes else "usable as a first pass; review before citing"


def _codes_json(codes: Mapping[str, CodeAccuracy]) -> dict[str, Any]:
    return {c: {"support": a.support, "tp": a.tp, "fp": a.fp, "fn": a.fn}
            for c, a in sorted(codes.items())}


def _codes_from(data: Any) -> dict[str, CodeAccuracy]:
    return {str(c): CodeAccuracy(str(c), int(v["support"]), int(v["tp"]), int(v["fp"]),
                                 int(v["fn"]))
            for c, v in dict(data).items()}


def _fields_json(fields: Mapping[str, FieldAccuracy]) -> dict[str, Any]:
    return {f: {"right": a.right, "counted": a.counted, "per_assignment": a.per_assignment}
            for f, a in sorted(fields.items())}


def _fields_from(data: Any) -> dict[str, FieldAccuracy]:
    return {str(f): FieldAccuracy(str(f), int(v["right"]), int(v["counted"]),
                                  int(v["per_assignment"]))
            for f, v in dict(data).items()}


@dataclass
class MeasuredAccuracy:
    """The shipped measurement: how it was made, the defector figures, and per code on
    every labelled page (``codes``) and on the pages the rules were not written against
    (``unseen``)."""

    setting: str
    measured: str
    documents: int
    assignments: int
    classifier_created: str | None
    defectors: dict[str, float] = field(default_factory=dict)
    codes: dict[str, CodeAccuracy] = field(default_factory=dict)
    unseen: dict[str, CodeAccuracy] = field(default_factory=dict)
    profile: dict[str, FieldAccuracy] = field(default_factory=dict)
    profile_unseen: dict[str, FieldAccuracy] = field(default_factory=dict)
    # The promise-versus-reality cells scored like codes (evaluation.pair_counts): "all"
    # (every English page) and "unseen", each a CodeAccuracy named by its key.
    pairs: dict[str, CodeAccuracy] = field(default_factory=dict)

    def pairs_text(self) -> str:
        """How often the machine's (join motive, exit reason) pairs — what the
        promise-versus-reality table counts — were right, in a sentence ("" when not
        measured)."""
        parts = []
        for key, label in (("unseen", "on the unseen pages"), ("all", "on every English page")):
            acc = self.pairs.get(key)
            if acc is not None and acc.tp + acc.fp and acc.tp + acc.fn:
                parts.append(f"precision {acc.tp / (acc.tp + acc.fp):.2f} and recall "
                             f"{acc.tp / (acc.tp + acc.fn):.2f} {label} ({acc.support} "
                             "labelled pairs a run)")
        if not parts:
            return ""
        return ("The machine's (join motive, exit reason) pairs, which this table counts, "
                "need both codes right: " + "; ".join(parts) + ". A cell resting on "
                "suggestions is mostly noise: review both dimensions and count accepted "
                "codings only before citing it")

    def field_text(self, name: str) -> str:
        """How often the machine read profile field ``name`` right, in a sentence ("" when
        it was not measured)."""
        parts = []
        for label, table in (("on the unseen pages", self.profile_unseen),
                             ("on every English page", self.profile)):
            acc = table.get(name)
            if acc is not None and acc.accuracy is not None:
                parts.append(f"{acc.accuracy:.2f} {label} ({acc.per_assignment} counted)")
        if not parts:
            return ""
        text = (f"Machine-read {name.replace('_', ' ')}, of the defectors found, was right "
                "for " + " and ".join(parts))
        stated, guessed = (self.profile_unseen.get(f"{name}_{basis}")
                           for basis in ("stated", "inferred"))
        if stated is not None and guessed is not None and stated.accuracy is not None \
                and guessed.accuracy is not None:
            text += (f"; stated in the text for the person it was right {stated.accuracy:.2f}"
                     f" on the unseen pages ({stated.per_assignment} given), only inferred "
                     f"from the page's country {guessed.accuracy:.2f} "
                     f"({guessed.per_assignment} given; unknown in this breakdown)")
        return text + "; review profiles before citing this breakdown"

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": FORMAT_VERSION, "setting": self.setting,
            "measured": self.measured, "documents": self.documents,
            "assignments": self.assignments, "classifier_created": self.classifier_created,
            "defectors": self.defectors, "codes": _codes_json(self.codes),
            "unseen": _codes_json(self.unseen), "profile": _fields_json(self.profile),
            "profile_unseen": _fields_json(self.profile_unseen),
            "pairs": _codes_json(self.pairs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = "") -> MeasuredAccuracy:
        name = where or "measured accuracy"
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ConfigError(f"{name}: not an {FORMAT} file", code="measured_invalid")
        try:
            out = cls(setting=str(data["setting"]), measured=str(data["measured"]),
                      documents=int(data["documents"]), assignments=int(data["assignments"]),
                      classifier_created=(str(data["classifier_created"])
                                          if data.get("classifier_created") else None),
                      defectors={str(k): float(v)
                                 for k, v in dict(data.get("defectors", {})).items()},
                      codes=_codes_from(data["codes"]),
                      unseen=_codes_from(data.get("unseen", {})),
                      profile=_fields_from(data.get("profile", {})),
                      profile_unseen=_fields_from(data.get("profile_unseen", {})),
                      pairs=_codes_from(data.get("pairs", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{name}: missing or malformed field ({exc})",
                              code="measured_invalid") from exc
        counts = [*out.codes.values(), *out.unseen.values(), *out.pairs.values()]
        fields = [*out.profile.values(), *out.profile_unseen.values()]
        if any(min(a.support, a.tp, a.fp, a.fn) < 0 for a in counts) or any(
                not 0 <= f.right <= f.counted for f in fields):
            raise ConfigError(f"{name}: negative or inconsistent counts",
                              code="measured_invalid")
        return out

    def defectors_text(self) -> str:
        """The defector figures in a sentence (every machine share's n rests on them)."""
        d = self.defectors
        if not {"precision", "recall"} <= set(d):
            return ""
        return (f"Defectors found by the reading stages on the unseen pages: precision "
                f"{d['precision']:.2f}, recall {d['recall']:.2f} ({int(d.get('gold', 0))} "
                "labelled defectors), so review the case list too: a case that is not a "
                "defector changes every n")

    def frame(self, codebook: Codebook) -> pd.DataFrame:
        """One row per top-level code of ``codebook``, in codebook order: labelled cases
        per assignment, precision, recall, F1 on every labelled page and on the unseen
        ones (None where too thin to read or nothing was found), and the plain
        :func:`reading` (a code the labelled sets do not use has no figures and says so)."""
        import pandas as pd

        rows = []
        for dim in codebook.dimensions:
            for code in codebook.codes_in(dim, top_level=True):
                acc = self.codes.get(code) or CodeAccuracy(code, 0, 0, 0, 0)
                new = self.unseen.get(code) or CodeAccuracy(code, 0, 0, 0, 0)
                ok, new_ok = acc.measurable, new.measurable
                rows.append({
                    "code": code, "label": codebook.get(code).label, "dimension": dim,
                    "support": acc.support, "precision": acc.precision if ok else None,
                    "recall": acc.recall if ok else None, "f1": acc.f1 if ok else None,
                    "unseen_support": new.support,
                    "unseen_precision": new.precision if new_ok else None,
                    "unseen_recall": new.recall if new_ok else None,
                    "reading": reading(acc, new) if code in self.codes else UNLABELLED})
        return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def builtin_path() -> Path:
    return Path(str(resources.files("exitlens").joinpath(f"data/coding/{MEASURED_FILE}")))


def load_measured(path: str | Path | None = None) -> MeasuredAccuracy:
    """The measurement at ``path`` (default: the shipped one)."""
    target = Path(path) if path is not None else builtin_path()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read ({exc.strerror or exc})",
                          code="measured_invalid") from exc
    except ValueError as exc:
        raise ConfigError(f"{target}: not valid JSON ({exc})", code="measured_invalid") from exc
    return MeasuredAccuracy.from_json(data, str(target))


def not_applicable(settings: Settings) -> str | None:
    """Why the shipped measurement does not describe the suggestions ``settings`` make
    (None when it does: the built-in coders, classifier, role model and reason gate)."""
    from ..config import Settings as _Settings
    from .versions import active_model_path, default_model_path

    defaults = _Settings()
    if settings.reading.stages != defaults.reading.stages:
        return f"the project reads with other stages ({', '.join(settings.reading.stages)})"
    if settings.reading.spacy_model != defaults.reading.spacy_model:
        return f"the project parses with another spaCy model ({settings.reading.spacy_model})"
    cfg = settings.coding
    if cfg.coders != defaults.coding.coders:
        return f"the project codes with {', '.join(cfg.coders)}, not the built-in coders"
    active = active_model_path(cfg.model_dir, cfg.classifier_model)
    if active is None or active.resolve() != default_model_path().resolve():
        return "the project uses its own classifier version, not the built-in one"
    if cfg.coder_weights != defaults.coding.coder_weights or \
            cfg.min_confidence != defaults.coding.min_confidence or \
            cfg.reason_gate != defaults.coding.reason_gate:
        return "the project changed the coders' weights, confidence floor or reason gate"
    if cfg.codebook is not None:
        return "the project uses its own codebook"
    if settings.reading.role_model is not None:
        return "the project uses its own role model"
    return None


def measured_note(frame: pd.DataFrame) -> str:
    """How a :func:`measured_frame` was measured and what it says of defectors, or why it
    is not shown (its ``not_applicable`` reason): the line under every display of it."""
    reason = frame.attrs["not_applicable"]
    if reason:
        return (f"not shown: {reason}; the shipped measurement describes the built-in "
                "models only")
    return f"{frame.attrs['setting']}. {frame.attrs['defectors_text']}"


@lru_cache(maxsize=1)
def _builtin_fingerprint() -> str:
    # Parsing the built-in codebook takes about half a second: once per process.
    from .codebook import load_codebook

    return load_codebook().fingerprint()


def measured_frame(settings: Settings, codebook: Codebook,
                   path: str | Path | None = None) -> pd.DataFrame:
    """:meth:`MeasuredAccuracy.frame` of the measurement at ``path`` (default: the shipped
    one) for ``codebook``, with ``attrs``: ``setting`` (how and when it was measured),
    ``defectors`` (the same run's defector figures; ``defectors_text`` in a sentence),
    ``profile`` (profile field → :meth:`MeasuredAccuracy.field_text`) and
    ``not_applicable`` (why the figures do not describe the suggestions ``settings`` and
    ``codebook`` make, or None; :func:`measured_note` words either).
    ``settings`` must have the project's model folder filled in
    (``Project.pipeline_settings``), so that a trained version there is seen."""
    measured = load_measured(path)
    reason = not_applicable(settings)
    if reason is None and codebook.fingerprint() != _builtin_fingerprint():
        reason = "the project codes with its own codebook version"
    frame = measured.frame(codebook)
    frame.attrs.update(setting=f"{measured.setting} ({measured.measured})",
                       defectors=dict(measured.defectors),
                       defectors_text=measured.defectors_text(), not_applicable=reason,
                       pairs=measured.pairs_text(),
                       profile={name: measured.field_text(name)
                                for name in {*measured.profile, *measured.profile_unseen}
                                if not name.endswith(("_stated", "_inferred"))})
    return frame
