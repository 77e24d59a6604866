"""Years of joining and leaving: a year (or "two years ago", "last month", "N years
later") goes to the joining or leaving verb the parse attaches it to, else to the nearest
such verb in its sentence; membership stated as a period ("from 2014 to 2016", "with the
group since 2013") gives both. Also the publication year and month these count from.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ...model import Span
from ..cues import number_value
from .choice import P_SENTENCE, P_WEAK, Evidence
from .patterns import (
    _ATTEMPT_BEFORE,
    _BY_GROUP,
    _FOR_FIGHTERS,
    _FOR_THEM,
    _FROM_TO_YEARS,
    _GROUP_RE,
    _JOIN_RE,
    _JOIN_TRIP_AFTER,
    _LAST_YEAR,
    _LEADING_DATE,
    _LEAVE_RE,
    _NOT_EVENT_YEAR_AFTER,
    _NOT_EVENT_YEAR_BEFORE,
    _RECENT,
    _REL_AFTER_JOINING,
    _REL_AGO,
    _REL_LATER,
    _SERVICE_VERB,
    _SINCE_GROUP,
    _UNTIL_YEAR,
    _YEAR,
)
from .subjects import SentenceView, _Subjects

YEAR_MIN, YEAR_MAX = 2011, 2025


def _year_cues(
    text: str,
    sv: SentenceView,
    who: Callable[[Span], int | None],
    actors: Callable[[Span], list[int]],
    evidence: dict[int, Evidence],
    published: tuple[int | None, int | None],
    last_year: dict[int, int],
    subjects: _Subjects,
) -> None:
    """joined_year / left_year: a year goes to the nearest joining or leaving verb in its
    sentence; "N years later" counts from the person's last year, "N years ago" from the
    publication year."""
    published_year, published_month = published
    s, e = sv.span.start, sv.span.end
    sent = text[s:e]
    years: list[tuple[int, int, int]] = []  # (start, end, year) in sentence offsets
    for m in _YEAR.finditer(sent):
        years.append((m.start(), m.end(), int(m.group(1))))
    for m in _REL_AGO.finditer(sent):
        if published_year:
            years.append((m.start(), m.end(), published_year - number_value(m.group(1))))
    for m in _LAST_YEAR.finditer(sent):
        if published_year:
            delta = 1 if m.group(0).lower().startswith("last") else 0
            years.append((m.start(), m.end(), published_year - delta))
    for m in _RECENT.finditer(sent):
        if published_year:
            back = number_value(m.group("n")) if m.group("n") else 1
            year = published_year
            if published_month is not None and back >= published_month and "week" not in \
                    m.group(0).lower():
                year -= 1
            years.append((m.start(), m.end(), year))
    rel_later = list(_REL_LATER.finditer(sent))
    if not years and not rel_later:
        return
    _year_ranges(sent, s, who, evidence, last_year)
    cues: list[tuple[int, int, str]] = []
    for m in _JOIN_RE.finditer(sent):
        word = m.group(0).lower()
        if word.startswith("recruit") and re.match(r"\s+(?:them|others|people|fighters)\b",
                                                    sent[m.end():]):
            continue
        cues.append((m.start(), m.end(), "join"))
    for m in _LEAVE_RE.finditer(sent):
        word = m.group(0).lower()
        kind = "leave"
        if word.startswith(("fled", "escap")) and (
                _JOIN_TRIP_AFTER.match(sent, m.end())
                or re.match(r"\s+(?:to|into)\s+(?:Syria|Iraq)\b", sent[m.end():])):
            kind = "join"
        pre = sent[max(0, m.start() - 40): m.start()]
        if _ATTEMPT_BEFORE.search(pre):
            continue
        if "captured" in word and _BY_GROUP.match(sent, m.end()):
            continue
        cues.append((m.start(), m.end(), kind))
    if not cues:
        for ys, ye, y in years:
            pi = who(Span(s + ys, s + ye))
            if pi is not None and YEAR_MIN <= y <= YEAR_MAX:
                last_year[pi] = y
        return
    left_here: dict[int, int] = {}
    for ys, ye, y in years:
        if not YEAR_MIN <= y <= YEAR_MAX or _NOT_EVENT_YEAR_BEFORE.search(sent, 0, ys) or \
                _NOT_EVENT_YEAR_AFTER.match(sent, ye):
            continue
        governing = subjects.governing_verb(s + ys)
        parsed = [c for c in cues if governing is not None
                  and c[0] <= governing - s < c[1]]
        if parsed:  # the parse ties the date to a cue verb: take it whatever the distance
            cue, dist = parsed[0], 0
        elif subjects.in_relative_clause(s + ys):
            continue  # "a woman who married in 2015, said she left": the clause's own event
        else:
            cue = min(cues, key=lambda c: _year_distance(c[0], c[1], ys, ye))
            dist = _year_distance(cue[0], cue[1], ys, ye)
            if dist > 70:
                # "In January 2016 he walked to the border and handed himself over": an
                # opening date phrase governs the clause, so its first cue verb takes it
                later = [c for c in cues if ye <= c[0] <= ye + 160]
                if not later or not _LEADING_DATE.match(sent, 0, ys):
                    continue
                cue, dist = later[0], 30
        span = Span(s + ys, s + ye)
        field_name = "joined_year" if cue[2] == "join" else "left_year"
        for pi in actors(Span(s + cue[0], s + cue[1])):
            evidence[pi].add(field_name, y, span, P_SENTENCE + dist // 30)
            last_year[pi] = y
            if field_name == "left_year":
                left_here[pi] = y
    for m in _REL_AFTER_JOINING.finditer(sent):
        # "fled in 2016, two years after joining": joined two years before leaving
        for pi, y in left_here.items():
            joined = y - number_value(m.group(1))
            if YEAR_MIN <= joined <= YEAR_MAX:
                evidence[pi].add("joined_year", joined, Span(s + m.start(), s + m.end()),
                                 P_SENTENCE)
    for m in rel_later:
        cue = min(cues, key=lambda c: _gap(c[0], c[1], m.start(), m.end()))
        if _gap(cue[0], cue[1], m.start(), m.end()) > 90:
            continue
        for pi in actors(Span(s + cue[0], s + cue[1])):
            if pi not in last_year:
                continue
            y = last_year[pi] + number_value(m.group(1))
            if YEAR_MIN <= y <= YEAR_MAX:
                field_name = "joined_year" if cue[2] == "join" else "left_year"
                evidence[pi].add(field_name, y, Span(s + m.start(), s + m.end()), P_WEAK)
                last_year[pi] = y


def _year_ranges(
    sent: str,
    s: int,
    who: Callable[[Span], int | None],
    evidence: dict[int, Evidence],
    last_year: dict[int, int],
) -> None:
    """Membership stated as a period: "was with the group since 2013" (joined), "fought
    for them from 2014 to 2016" (joined and left)."""
    for m in _SINCE_GROUP.finditer(sent):
        y = int(m.group("y"))
        span = Span(s + m.start("y"), s + m.end("y"))
        pi = who(span)
        if pi is not None and YEAR_MIN <= y <= YEAR_MAX:
            evidence[pi].add("joined_year", y, span, P_SENTENCE + 1)
            last_year.setdefault(pi, y)
    for m in _UNTIL_YEAR.finditer(sent):
        y = int(m.group("y"))
        span = Span(s + m.start("y"), s + m.end("y"))
        pi = who(span)
        if pi is not None and YEAR_MIN <= y <= YEAR_MAX:
            evidence[pi].add("left_year", y, span, P_WEAK)
    if not _SERVICE_VERB.search(sent) or not (
            _GROUP_RE.search(sent) or _FOR_THEM.search(sent) or _FOR_FIGHTERS.search(sent)):
        return
    for m in _FROM_TO_YEARS.finditer(sent):
        y1, y2 = int(m.group("a")), int(m.group("b"))
        if not (YEAR_MIN <= y1 <= y2 <= YEAR_MAX):
            continue
        sa = Span(s + m.start("a"), s + m.end("a"))
        pi = who(sa)
        if pi is None:
            continue
        evidence[pi].add("joined_year", y1, sa, P_WEAK)
        evidence[pi].add("left_year", y2, Span(s + m.start("b"), s + m.end("b")), P_WEAK)


def _year_distance(c0: int, c1: int, y0: int, y1: int) -> int:
    """Distance from a verb cue to a year; a year before its verb ("In 2014, he joined")
    must be close, one after it ("joined … in 2014") may be further."""
    if c1 <= y0:
        return y0 - c1
    gap = c0 - y1
    return gap if gap <= 25 else gap * 3


def _gap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Characters between two spans (0 when they overlap)."""
    if a1 <= b0:
        return b0 - a1
    if b1 <= a0:
        return a0 - b1
    return 0


def _published_month(published: str | None) -> int | None:
    """Month of an ISO publication date, for "last month" (None when unknown)."""
    m = re.match(r"\d{4}-(\d{2})", published or "")
    return int(m.group(1)) if m else None


def _published_year(published: str | None) -> int | None:
    """Year of an ISO publication date, for "four years ago" (None when unknown)."""
    if not published:
        return None
    m = re.match(r"(\d{4})", published)
    return int(m.group(1)) if m else None

