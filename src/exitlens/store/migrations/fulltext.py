"""Full-text index expression shared by the migration and ``Project.search``.

PostgreSQL: ``to_tsvector`` is capped at the first 200,000 characters so one huge
document cannot exceed PostgreSQL's 1 MB tsvector limit (search then misses
words beyond that point in such documents).

``fts5_query`` turns user input into a safe FTS5 query (``Project.search`` and the quote
bank use it).
"""

import re

PG_TSVECTOR = "to_tsvector('english', left(coalesce(title, '') || ' ' || text, 200000))"

_FTS_TOKEN = re.compile(r'"[^"]*"|\S+')


def fts5_query(query: str) -> str:
    """Make user input safe for FTS5: quote every term, keep OR/NOT/AND and "phrases"."""
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
