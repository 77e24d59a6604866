"""People (the ``people`` pipeline stage): who is mentioned, under which names and
descriptions, and who said what. Modules, in reading order:

- :mod:`.stage` — :class:`PeopleStage`, :func:`read_people`, :func:`person_at`;
- :mod:`.persons` → :mod:`.candidates` → :mod:`.grouping` → :mod:`.speakers` — the grouper
  of one reading, one class per step, each extending the previous one: the persons built so
  far, the candidate mentions, grouping them into persons, linking quotes to speakers;
- :mod:`.mentions` — mention candidates, name keys and name tests;
- :mod:`.parse` — tests on the dependency parse;
- :mod:`.patterns` — regular expressions, and word sets read from
  ``data/reading/people_words.yaml``.
"""

from __future__ import annotations

from .mentions import clip_phrase, name_key, plausible_name
from .parse import main_clause
from .patterns import _KUNYA
from .stage import PeopleStage, person_at, read_people

__all__ = [
    "_KUNYA",
    "PeopleStage",
    "clip_phrase",
    "main_clause",
    "name_key",
    "person_at",
    "plausible_name",
    "read_people",
]
