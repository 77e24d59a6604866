"""A learned second opinion on who is a defector.

The role rules (:mod:`exitlens.reading.roles`) are precise but brittle: they need a
leaving cue tied to the person by the parse, membership stated or implied, and the
person's own account. Writers say these things in endless ways ("his eighteen months
in Raqqa", "slipped away during an airstrike", "was picked up by the SDF"), and a
rule misses any wording it was not written for.

This module weighs *soft* evidence together: the rule cues and their strengths, who
speaks and how much, and broad word families in the sentences about the person and
in their own quotes (leaving, membership, the group's names, custody, first-person
narration), and what the rest of the document says (:func:`add_document_features`).
A logistic regression over these features, trained on the people of the real labelled
sets (``scripts/train_role_model.py``; judged by grouped cross-validation in
``benchmarks/bench_real.py``), gives each person a probability of being a defector.
The role stage uses it only to *promote* people the rules left as "other" or
"current member" when the probability is high, and only on pages where the rules found
no defector (:func:`may_promote`), so the rules' precision is kept and the model adds
recall.

The model is a small JSON file (feature names, scaling, weights, threshold): no
pickles, readable, and replaceable through ``reading.role_model``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ExitlensError
from ..linear import LogisticModel, load_json_model_cached

# Broad word families (lemmas, lower case). They are deliberately generic: the
# model learns how much each family counts, so no single wording decides.
LEAVING_WORDS = frozenset(
    {
        "leave", "left", "escape", "flee", "fled", "run", "defect", "defector", "desert",
        "deserter", "surrender", "quit", "cross", "smuggle", "smuggler", "border", "slip",
        "sneak", "abandon", "walk", "bribe", "checkpoint", "exit", "away", "out", "return",
        "home", "back", "turn", "hand", "former", "ex", "once", "get", "break", "free",
        "release", "amnesty", "frontier", "night", "chance", "manage", "finally",
    }
)
MEMBER_WORDS = frozenset(
    {
        "join", "pledge", "allegiance", "swear", "recruit", "fight", "fighter", "training",
        "camp", "course", "unit", "battalion", "brigade", "patrol", "guard", "police",
        "hisba", "emir", "commander", "soldier", "mujahid", "member", "serve", "rifle",
        "weapon", "front", "battle", "frontline", "post", "salary", "stipend", "bay'ah",
        "bayah", "oath", "sharia", "travel", "arrive", "wife", "marry", "spend", "month",
        "year", "sniper", "driver", "medic", "cook", "office",
    }
)
GROUP_WORDS = frozenset(
    {
        "isis", "isil", "is", "daesh", "state", "caliphate", "dawla", "khilafah",
        "organisation", "organization", "group", "jihadist", "jihadi", "militant",
        "raqqa", "mosul", "baghouz", "deir", "tal", "manbij", "fallujah", "syria", "iraq",
        "territory", "brother", "black", "flag",
    }
)
CUSTODY_WORDS = frozenset(
    {
        "prison", "jail", "camp", "court", "sentence", "trial", "convict", "charge",
        "detain", "detention", "arrest", "custody", "rehabilitation", "programme", "program",
        "deradicalisation", "deradicalization", "interrogate", "lawyer", "judge", "prosecutor",
    }
)
STANCE_WORDS = frozenset(
    {
        "regret", "disillusion", "disillusioned", "disgust", "disgusted", "shock", "shocked",
        "afraid", "fear", "tired", "betray", "lie", "lied", "mistake", "ashamed", "horrify",
        "horrified", "realise", "realize", "sick", "hypocrite", "corrupt", "cruel", "wrong",
    }
)
EXPERT_WORDS = frozenset(
    {
        "analyst", "researcher", "expert", "professor", "scholar", "official", "spokesman",
        "spokeswoman", "minister", "journalist", "reporter", "correspondent", "author",
        "study", "research", "report", "data", "estimate", "percent", "trend", "policy",
        "government", "ministry", "institute", "think", "say", "note", "argue", "according",
    }
)
FIRST_PERSON_WORDS = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our"})

FAMILIES: dict[str, frozenset[str]] = {
    "leaving": LEAVING_WORDS,
    "member": MEMBER_WORDS,
    "group": GROUP_WORDS,
    "custody": CUSTODY_WORDS,
    "stance": STANCE_WORDS,
    "expert": EXPERT_WORDS,
}

# What the rest of the document says about a person: a text about the group with no
# defector the rules can see is often no defector's account at all (a news story about
# returnees, a trial of current members), and the most quoted of several candidates is
# usually the one whose story it is.
DOCUMENT_FEATURES = ("doc_rule_defectors", "other_rule_defector", "doc_candidates_log",
                     "top_quoted_candidate")

RULE_ROLES = ("defector", "current_member", "journalist", "analyst_official", "relative", "other")

FEATURES: tuple[str, ...] = (
    "leave_max", "member_max", "leave_n", "member_n", "still", "journalist_cue",
    "official_cue", "relative_cue", "related", "silent", "own_voice", "quotes_log",
    "quote_share", "account", "voiced_by_relative", "interviewee", "topic", "group_context",
    "group_leaving", "conflict_context", "is_writer", "has_name", "mentions_log",
    "first_mention", "most_quoted", "persons_log",
    *(f"ctx_{name}" for name in FAMILIES),
    *(f"quote_{name}" for name in FAMILIES),
    "quote_first_person", "quote_past",
    *DOCUMENT_FEATURES,
)


def promotable(values: dict[str, float], rule_role: str, is_writer: bool) -> bool:
    """May the model turn this person into a defector? Only someone the rules left
    undecided ("other", "current member"; never the writer, and not people whose
    explicit cues made them journalist, official or relative), not still in the group
    or silent, whose own account is reported (SPEC §1), in a text about the group that
    ties them to it by some leaving or membership word. The writer only when their
    own narration carries such words."""
    if is_writer:
        # a first-person narrator tied to the group by their own membership or leaving
        # words (a former member's blog or memoir); a journalist's "I" never is
        return (rule_role == "journalist" and not values.get("still")
                and bool(values.get("conflict_context"))
                and (values.get("leave_max", 0.0) > 0 or values.get("member_max", 0.0) > 0))
    return (rule_role in ("other", "current_member")
            and not values.get("still") and not values.get("silent")
            and bool(values.get("own_voice") or values.get("account")
                     or values.get("voiced_by_relative"))
            and bool(values.get("conflict_context"))
            and (values.get("leave_max", 0.0) > 0 or values.get("member_max", 0.0) > 0
                 or values.get("ctx_member", 0.0) > 0))


def may_promote(values: dict[str, float], rule_role: str, is_writer: bool) -> bool:
    """:func:`promotable`, on a page where the rules found no defector. The model adds
    the defectors of pages the rules cannot read; beside a defector the rules did find,
    the people it would promote were mostly others (a relative, a companion, a current
    member): under grouped cross-validation on the later real sets such promotions were
    right about once in five, and leaving them out raised defector F1 at 5 and 10 folds
    (``benchmarks/EXPERIMENTS.md``, session 10). Reads the ``other_rule_defector``
    document feature (:func:`add_document_features`)."""
    return not values.get("other_rule_defector") and promotable(values, rule_role, is_writer)


def add_document_features(features: dict[int, dict[str, float]], rule_roles: list[str],
                          writer: int | None) -> None:
    """Add :data:`DOCUMENT_FEATURES` to every person's ``features`` (in place): how many
    people the rules made defectors (capped at 3, as a share), whether someone *else*
    is one, how many could be promoted, and whether this person is the most quoted of
    those."""
    rule_defectors = [i for i, role in enumerate(rule_roles) if role == "defector"]
    candidates = [i for i in features
                  if promotable(features[i], rule_roles[i], i == writer)]
    best = max((features[i].get("quote_share", 0.0) for i in candidates), default=0.0)
    for idx, values in features.items():
        values["doc_rule_defectors"] = min(len(rule_defectors), 3) / 3.0
        values["other_rule_defector"] = float(any(i != idx for i in rule_defectors))
        values["doc_candidates_log"] = log_count(len(candidates))
        values["top_quoted_candidate"] = float(
            idx in candidates and best > 0 and values.get("quote_share", 0.0) == best)


def log_count(value: float) -> float:
    """log(1 + n) of a count: many mentions or quotes matter, but less and less."""
    return math.log1p(max(value, 0.0))


def family_rates(tokens: Iterable[Any]) -> tuple[dict[str, float], float, float, int]:
    """Per-family hit rates over spaCy tokens, plus first-person and past-tense rates.

    Rates (hits per word, capped) rather than counts keep long and short texts on
    one scale.
    """
    counts = dict.fromkeys(FAMILIES, 0)
    first = past = words = 0
    for tok in tokens:
        if tok.is_punct or tok.is_space:
            continue
        words += 1
        lemma = tok.lemma_.lower()
        low = tok.lower_
        for name, vocab in FAMILIES.items():
            if lemma in vocab or low in vocab:
                counts[name] += 1
        if low in FIRST_PERSON_WORDS:
            first += 1
        if tok.tag_ in ("VBD", "VBN"):
            past += 1
    if words == 0:
        return dict.fromkeys(FAMILIES, 0.0), 0.0, 0.0, 0
    rates = {k: min(1.0, 10.0 * v / words) for k, v in counts.items()}
    return rates, min(1.0, 5.0 * first / words), min(1.0, 5.0 * past / words), words


ROLE_MODEL_KIND = "exitlens-role-model"
# A role model is a :class:`~exitlens.linear.LogisticModel` of this kind.
RoleModel = LogisticModel


def builtin_role_model_path() -> Path:
    return Path(str(resources.files("exitlens") / "data" / "reading" / "role_model.json"))


def load_role_model(path: str | None) -> RoleModel | None:
    """The role model at ``path`` (the built-in one when None); None when the built-in
    file is absent (the rules then decide alone). Cached while the file is unchanged."""
    target = Path(path) if path else builtin_role_model_path()
    if not target.exists():
        if path:
            raise ExitlensError("no such role model file", code="role_model_missing",
                                where=path)
        return None
    return load_json_model_cached(target, ROLE_MODEL_KIND)


def describe_role_model(settings: Any) -> str:
    """What decides roles in a run, for reports: the rules alone or the rules plus
    which role model (and what it was trained on)."""
    choice = settings.reading.role_model
    if choice == "none":
        return "rules only"
    model = load_role_model(choice)
    if model is None:
        return "rules only (no built-in role model file)"
    where = choice or "built-in"
    trained = ", ".join(model.trained_on) or "unknown data"
    return f"rules + role model {where} (threshold {model.threshold:.2f}; trained on {trained})"
