"""Full-text index expression shared by the migration and ``Project.search``.

PostgreSQL: ``to_tsvector`` is capped at the first 200,000 characters so one huge
document cannot exceed PostgreSQL's 1 MB tsvector limit (search then misses
words beyond that point in such documents).

``fts5_query`` turns user input into a safe FTS5 query and ``pg_tsquery`` into the same
query for PostgreSQL's ``english`` text search (``Project.search`` and the quote bank use
them). Both read one syntax: words (``word*`` for a prefix), ``"phrases"``, ``AND``
(implicit), ``OR`` and ``NOT``; a misplaced operator is ``bad_query`` on both databases.
"""

import re

from ...errors import ExitlensError

PG_TSVECTOR = "to_tsvector('english', left(coalesce(title, '') || ' ' || text, 200000))"

_FTS_TOKEN = re.compile(r'"[^"]*"|\S+')


_OPERATORS = ("OR", "AND", "NOT")


def check_query_syntax(query: str) -> None:
    """Raise ``bad_query`` when an operator starts or ends the query or follows another
    (FTS5 rejects these; the PostgreSQL translation refuses them the same way)."""
    previous: str | None = None
    tokens = [t for t in _FTS_TOKEN.findall(query) if t in _OPERATORS or _has_term(t)]
    for tok in tokens:
        if tok in _OPERATORS and (previous is None or previous in _OPERATORS):
            raise _bad_query(query)
        previous = tok
    if previous in _OPERATORS:
        raise _bad_query(query)


def _bad_query(query: str) -> ExitlensError:
    return ExitlensError(f"cannot search for {query!r}: put OR / AND / NOT between words",
                         code="bad_query")


def _has_term(tok: str) -> bool:
    if tok.startswith('"') and tok.endswith('"') and len(tok) > 1:
        return True
    return bool(tok.rstrip("*").replace('"', ""))


def pg_tsquery(query: str) -> tuple[str, dict[str, str]]:
    """A PostgreSQL ``tsquery`` SQL expression (and its bound parameters) meaning what
    :func:`fts5_query` means on SQLite: terms and phrases are ANDed, ``OR`` separates
    alternatives, ``NOT x`` excludes, ``word*`` is a prefix; words are stemmed with the
    ``english`` configuration. Raises ``bad_query`` for a misplaced operator."""
    query = query.replace("\x00", " ")
    check_query_syntax(query)
    groups: list[list[str]] = [[]]
    params: dict[str, str] = {}
    negate = False
    for tok in _FTS_TOKEN.findall(query):
        if tok == "OR":
            groups.append([])
            continue
        if tok in ("AND", "NOT"):
            negate = negate or tok == "NOT"
            continue
        name = f"tsq{len(params)}"
        if tok.startswith('"') and tok.endswith('"') and len(tok) > 1:
            params[name] = tok[1:-1]
            expr = f"phraseto_tsquery('english', :{name})"
        elif tok.endswith("*"):
            words = re.findall(r"[^\W_]+", tok)
            if not words:
                continue
            params[name] = " & ".join(f"{w}:*" for w in words)
            expr = f"to_tsquery('english', :{name})"
        else:
            params[name] = tok.replace('"', "")
            expr = f"plainto_tsquery('english', :{name})"
        groups[-1].append(f"!!{expr}" if negate else expr)
        negate = False
    alternatives = [" && ".join(group) for group in groups if group]
    if not alternatives:
        return "CAST('' AS tsquery)", params
    return "(" + " || ".join(f"({a})" for a in alternatives) + ")", params


def fts5_query(query: str) -> str:
    """Make user input safe for FTS5: quote every term, keep OR/NOT/AND and "phrases"."""
    query = query.replace("\x00", " ")
    check_query_syntax(query)
    parts = []
    for tok in _FTS_TOKEN.findall(query):
        if tok in ("OR", "AND", "NOT"):
            parts.append(tok)
        elif tok.startswith('"') and tok.endswith('"') and len(tok) > 1:
            parts.append('"' + tok[1:-1].replace('"', "") + '"')
        else:
            star = tok.endswith("*")
            core = tok.rstrip("*").replace('"', "")
            if core:
                parts.append(f'"{core}"' + ("*" if star else ""))
    return " ".join(parts) or '""'
