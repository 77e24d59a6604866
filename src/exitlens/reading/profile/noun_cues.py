"""Noun-phrase cues: gender, age, nationality or region, occupation and role read from a
person's own mentions, descriptor and the appositions attached to them ("X, 26, a
Tunisian engineer,", "Syrian deserter X") — the strongest evidence of a profile.

Nationality is never guessed from a name, and a place someone travelled to is never their
origin: a country or city counts only after an origin cue ("from", "born in", "a native
of") or before "-born", a demonym only when it qualifies the person.
"""

from __future__ import annotations

import re

from ...model import Span
from ..gazetteer import Gazetteer, GeoMatch, load_gazetteer
from .choice import P_ATTACHED, Evidence
from .patterns import (
    _AGE_AFTER_NAME,
    _AGE_PATTERNS,
    _APPOS_SEG_START,
    _BORN_AFTER,
    _BORN_THEN,
    _CLAUSE_STOP,
    _COPULA_BEFORE,
    _ETHNIC_BEFORE,
    _FORMER_HEAD,
    _FROM_BEFORE,
    _FROM_PLAIN,
    _GENDER_NOUN,
    _GROUP_RE,
    _KUNYA,
    _NATIONAL_AFTER,
    _NEGATION_BEFORE,
    _NOMINAL_AFTER,
    _NP_WORDS,
    _OCC_NAMES,
    _OCC_RE,
    _ORIGIN_BEFORE,
    _OTHER_SIDE_BEFORE,
    _PERSON_NOUN_RE,
    _POSSESSIVE_BEFORE,
    _RELATIVE_NP_BEFORE,
    _ROLE_NAMES,
    _ROLE_RE,
    _ROLES_NEEDING_GROUP,
    _TEENS,
    _TENS,
    _TITLE,
    _UNITS,
    _WS_WORD,
    NON_PERSON_AFTER_DEMONYM,
)
from .subjects import _is_proper_name


def _age_int(raw: str) -> int:
    """The value of an age written in digits or words: "34", "thirty-four", "nineteen"."""
    raw = raw.lower()
    if raw.isdigit():
        return int(raw)
    if raw in _TEENS:
        return _TEENS[raw]
    parts = re.split(r"[-‐‑\s]+", raw)
    return _TENS.get(parts[0], 0) + (_UNITS.get(parts[1], 0) if len(parts) > 1 else 0)


def _attached(text: str, span: Span) -> list[Span]:
    """Appositions attached to a mention: ", a Tunisian engineer," after it and
    "Syrian deserter" / "18-year-old" before it (same clause)."""
    out: list[Span] = []
    # after: comma-separated appositive segments
    pos = span.end
    limit = min(len(text), span.end + 160)
    window = text[pos:limit]
    stop = _CLAUSE_STOP.search(window)
    if stop:
        window = window[: stop.start()]
    if window.startswith(","):
        offset = 1
        prev = ""
        for seg in window[1:].split(","):
            place_tail = re.match(r"\s*(?:from|born|in|originally)\b", prev, re.I) and re.match(
                r"\s*[A-Z]", seg)
            if not (_APPOS_SEG_START.match(seg) or place_tail):
                break
            prev = seg
            s = pos + offset
            out.append(Span(s, s + len(seg)))
            offset += len(seg) + 1
    # before: the words since the last clause break, at most 60 chars
    start = max(0, span.start - 60)
    before = text[start : span.start]
    cut = max(before.rfind(c) for c in ",;:.!?“”\"()\n")
    if cut >= 0:
        before_start = start + cut + 1
    else:
        before_start = start
        sp = before.find(" ")
        if sp >= 0 and start > 0:
            before_start = start + sp + 1
    # keep only the noun-phrase words right before the mention: "told the British
    # journalist that X" must not make X British
    np_start = span.start
    for w in reversed(list(_WS_WORD.finditer(text, before_start, span.start))):
        if not _np_word(w.group(0)):
            break
        np_start = w.start()
    if np_start < span.start:
        out.append(Span(np_start, span.start))
    return out



def _np_word(word: str) -> bool:
    """Could ``word`` be part of a noun phrase modifying the name after it?"""
    w = word.strip("‘’'\"")
    return bool(w) and (
        w[0].isupper() or w[0].isdigit() or "-year" in w.lower() or w.lower() in _NP_WORDS
        or bool(_PERSON_NOUN_RE.fullmatch(w)) or bool(_OCC_RE.fullmatch(w))
        or bool(_ROLE_RE.fullmatch(w))
    )


def _age_after_name(text: str, span: Span, ev: Evidence) -> None:
    """"X, 26,", "X (26)" and "X is 26,": the age the press puts right after a name."""
    m = _AGE_AFTER_NAME.match(text, span.end, min(len(text), span.end + 64))
    if m:
        g = next(k for k in ("a", "b", "c") if m.group(k))
        n = _age_int(m.group(g))
        if 8 <= n <= 90:
            ev.add("age", n, Span(m.start(g), m.end(g)), P_ATTACHED)


def _np_cues(
    text: str, span: Span, ev: Evidence, gaz: Gazetteer, prio: int, is_mention: bool
) -> None:
    """Gender, age, nationality, region, occupation and role from a noun phrase."""
    s, e = span.start, span.end
    chunk = text[s:e]
    # A proper name ("Jordan Frenchman") says nothing about nationality or gender.
    proper_name = is_mention and _is_proper_name(chunk)
    # gender
    for m in _GENDER_NOUN.finditer(chunk):
        own_head = is_mention and m.start() == 0  # the mention *is* "her husband"
        if (m.group("poss") and not own_head) or (
            proper_name and not _TITLE.fullmatch(m.group("f") or m.group("m"))
        ):
            continue
        g = "f" if m.group("f") else "m"
        grp = "f" if g == "f" else "m"
        ev.add("gender", g, Span(s + m.start(grp), s + m.end(grp)), prio)
    if is_mention:
        km = _KUNYA.match(chunk)
        if km and not gaz.lookup(chunk.split(",")[0].strip()):
            g = "f" if km.group("f") else "m"
            ev.add("gender", g, Span(s + km.start(), s + km.end() - 1), prio)
    # age
    for pat in _AGE_PATTERNS:
        for m in pat.finditer(chunk):
            if _POSSESSIVE_BEFORE.search(chunk, 0, m.start()):
                continue
            n = _age_int(m.group("n"))
            if 8 <= n <= 90:
                ev.add("age", n, Span(s + m.start(), s + m.end()), prio)
    # nationality / region
    for gm in () if proper_name else gaz.iter_matches(text, s, e):
        _nationality_from_match(text, gm, ev, prio, np_context=True)
    # occupation and role
    if proper_name:
        return
    for m in _OCC_RE.finditer(chunk):
        name = _group_name(m, "o", _OCC_NAMES)
        if name and not _GROUP_RE.search(chunk, max(0, m.start() - 25), m.start()):
            ev.add("occupation", name, Span(s + m.start(), s + m.end()), prio)
    for m in _ROLE_RE.finditer(chunk):
        name = _group_name(m, "r", _ROLE_NAMES)
        if name is None:
            continue
        pre = text[max(0, s + m.start() - 40) : s + m.start()]
        if _NEGATION_BEFORE.search(pre) or (
            name in ("fighter", "recruit") and _OTHER_SIDE_BEFORE.search(pre)
        ):
            continue
        if name in ("commander", "emir") and is_mention and not _FORMER_HEAD.match(chunk):
            continue  # "the emir", "our emir": a mention wrongly merged, not the person's rank
        if name not in _ROLES_NEEDING_GROUP or _GROUP_RE.search(chunk) or (
                is_mention and m.group(0).lower() == "medic"):
            ev.add("role", name, Span(s + m.start(), s + m.end()), prio + _role_rank(name))


def _role_rank(name: str) -> int:
    """Generic "fighter" loses to any specific role found at the same level."""
    return 1 if name in ("fighter", "trainee", "recruit") else 0


def _group_name(m: re.Match[str], prefix: str, names: list[str]) -> str | None:
    """Canonical name of the alternative that matched (named groups ``<prefix><index>``)."""
    for key, value in m.groupdict().items():
        if value is not None and key.startswith(prefix):
            return names[int(key[1:])]
    return None


def _nationality_from_match(
    text: str, gm: GeoMatch, ev: Evidence, prio: int, np_context: bool
) -> None:
    """Record the nationality or region a gazetteer match stands for, if it is about origin.

    In a noun phrase about the person (``np_context``) a demonym counts unless it
    qualifies a non-person noun ("Syrian regime"); a country or city counts only
    after an origin cue ("from", "born in", "native of") or before "-born".
    """
    before = text[max(0, gm.span.start - 60) : gm.span.start]
    after = text[gm.span.end : gm.span.end + 40]
    entry = gm.first("demonym", "ethnic", "region", "country", "city", "place")
    if entry is None:
        return
    if entry.kind == "ethnic":
        return
    if entry.kind == "region":
        if (
            _origin_context(before, after)
            or (np_context and not NON_PERSON_AFTER_DEMONYM.match(after))
            or _NATIONAL_AFTER.match(after)
        ):
            ev.add("origin_region", entry.name, gm.span, prio)
        return
    country = gm.country
    if not country:
        return
    if entry.kind == "demonym":
        if NON_PERSON_AFTER_DEMONYM.match(after) or _ETHNIC_BEFORE.search(before):
            return  # "the Syrian regime"; "an ethnic Albanian from Kosovo": not a nationality
        born = _BORN_THEN.match(after)
        if born is not None and any(e.kind == "demonym" and e.country
                                    for e in load_gazetteer().lookup(born.group("next"))):
            return  # "a Moroccan-born Belgian": the nationality is the second one
        if not np_context and _RELATIVE_NP_BEFORE.search(before):
            return  # "her mother, a Swedish convert": somebody else's nationality
        if np_context or _NATIONAL_AFTER.match(after) or (
            _COPULA_BEFORE.search(before) and _NOMINAL_AFTER.match(after)
        ):
            ev.add("nationality", country, gm.span, prio)
            ev.origin_spans.add(gm.span)
        return
    # a country, city or place name: only as origin
    if (
        _BORN_AFTER.match(after)
        or _origin_context(before, after)
        or _NATIONAL_AFTER.match(after)
        or (np_context and _FROM_PLAIN.search(before))
    ):
        ev.add("nationality", country, gm.span, prio)
        ev.origin_spans.add(gm.span)


def _origin_context(before: str, after: str) -> bool:
    """True when the text before a place says it is where someone is from."""
    return bool(_ORIGIN_BEFORE.search(before) or _FROM_BEFORE.search(before))

