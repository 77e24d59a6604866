"""Coding: turning each defector's evidence into suggested codes from an editable codebook.

``codebook`` (YAML codebook, validation, hierarchy), ``base`` (coder protocol and
registry), the coders ``rules``, ``embedding``, ``classifier`` and ``llm``, the
``ensemble`` that merges them, the ``code`` pipeline stage, ``training`` (train and
calibrate from labelled data) and ``evaluate`` (code-level scores).
"""

from .base import Coder, CodingItem, CodingResult, coders
from .codebook import Codebook, CodebookError, codebook_to_yaml, load_codebook

__all__ = [
    "Codebook",
    "CodebookError",
    "Coder",
    "CodingItem",
    "CodingResult",
    "codebook_to_yaml",
    "coders",
    "load_codebook",
]
