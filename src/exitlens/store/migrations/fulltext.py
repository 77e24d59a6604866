"""Full-text index expression shared by the migration and ``Project.search``.

PostgreSQL: ``to_tsvector`` is capped at the first 200,000 characters so one huge
document cannot exceed PostgreSQL's 1 MB tsvector limit (search then misses
words beyond that point in such documents).
"""

PG_TSVECTOR = "to_tsvector('english', left(coalesce(title, '') || ' ' || text, 200000))"
