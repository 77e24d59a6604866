"""Profiles of defectors (the ``profile`` pipeline stage), in modules read in this order:

- :mod:`.stage` — :class:`ProfileStage` and :func:`profile_reading`: the pass over one
  reading, and what the rules cannot fill left to the learned fields;
- :mod:`.subjects` — who each sentence is about, and the subject of a cue's verb;
- :mod:`.noun_cues` — values read from a person's mentions and appositions;
- :mod:`.sentence_cues` — values read from the sentences about a person;
- :mod:`.years` — joining and leaving years;
- :mod:`.choice` — candidates per field and the choice among them;
- :mod:`.patterns` — the regular expressions, compiled from the word lists in
  ``data/reading/profile_words.yaml``.
"""

from __future__ import annotations

from .patterns import (
    EXIT_PATTERNS,
    GROUP,
    JOIN_CUES,
    LEAVE_CUES,
    OCCUPATIONS,
    OUTCOME_PATTERNS,
    PERSON_NOUNS,
    ROLES,
)
from .stage import PROFILE_CUES, ProfileStage, profile_reading
from .years import _published_year

__all__ = [
    "EXIT_PATTERNS",
    "GROUP",
    "JOIN_CUES",
    "LEAVE_CUES",
    "OCCUPATIONS",
    "OUTCOME_PATTERNS",
    "PERSON_NOUNS",
    "PROFILE_CUES",
    "ROLES",
    "ProfileStage",
    "_published_year",
    "profile_reading",
]
