"""Fictional testimonies for scale benchmarks: templates filled with random names and places.

Every sentence here is written for this file (no text of any labelled set). Documents look
like short news features: an introduction, the person's own account of joining and leaving
in direct and reported speech, an analyst's comment, and filler paragraphs, so that every
pipeline stage has work to do. Deterministic for a given seed.

    from generated import generate, write_jsonl  # run from benchmarks/
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

FIRST = ["Karim", "Yusuf", "Tarek", "Bilal", "Samir", "Idris", "Jonas", "Lukas", "Emre",
         "Aydin", "Farid", "Omar", "Nabil", "Hamza", "Rashid", "Selim", "Marek", "Anouar"]
FEMALE = ["Amira", "Leila", "Sara", "Nour", "Hanna", "Yasmin", "Dounia", "Lina"]
LAST = ["Haddad", "Benali", "Kovac", "Meier", "Yilmaz", "Rahimi", "Okafor", "Darwish",
        "Lindqvist", "Petrov", "Mansour", "Azizi", "Brandt", "Suleiman", "Novak"]
NATION = [("Tunisian", "Tunis"), ("Belgian", "Brussels"), ("German", "Hamburg"),
          ("Moroccan", "Tangier"), ("French", "Lyon"), ("Dutch", "Utrecht"),
          ("Kosovar", "Pristina"), ("Jordanian", "Zarqa"), ("Swedish", "Malmo")]
PLACES = ["Raqqa", "Mosul", "Deir ez-Zor", "Tal Afar", "Manbij", "al-Bab", "Idlib"]
OUTLETS = ["Lakeside Gazette", "Northern Courier", "Harbour Post", "Valley Herald"]
REASONS = [
    "the commanders kept the money and the best houses for themselves",
    "they were told to fight other rebels instead of the regime",
    "foreign fighters were treated better than the local men",
    "his friends were sent to die in pointless attacks",
    "he watched prisoners being beaten and could not sleep afterwards",
    "his mother begged him on the phone to come home",
    "the emirs preached one thing and did the opposite",
    "anyone who complained was thrown into a cell",
]
JOINED = [
    "a friend from the mosque talked about helping people under siege",
    "there was no work at home and they promised a salary and a house",
    "videos online made it look like an adventure",
    "I wanted to protect civilians from the bombing",
]
FILLER = [
    "The town has changed since then. New shops line the main road and the market is busy "
    "again on Fridays, although many families still wait for news of their sons.",
    "Local officials say the programme for returnees has space for a few dozen people a "
    "year. Most of the places are taken, and the waiting list grows every month.",
    "The interview took place over two afternoons in a small office near the station. "
    "Names of relatives have been left out at their request.",
    "Winter was hard that year. Roads were closed for weeks, and the price of bread rose "
    "so fast that shopkeepers stopped writing it on the boards.",
]


def _person(rng: random.Random) -> tuple[str, str, str]:
    female = rng.random() < 0.25
    first = rng.choice(FEMALE if female else FIRST)
    return f"{first} {rng.choice(LAST)}", ("she" if female else "he"), first


def document(rng: random.Random, i: int) -> dict[str, str]:
    name, pronoun, first = _person(rng)
    demonym, city = rng.choice(NATION)
    place, other = rng.sample(PLACES, 2)
    joined, left = rng.randint(2012, 2015), rng.randint(2015, 2018)
    reason, reason2 = rng.sample(REASONS, 2)
    analyst = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    parts = [
        f"{name}, a {demonym} man from {city}, travelled to {place} in {joined}. "
        f"{pronoun.capitalize()} left the group in {left} and now lives in {city}.".replace(
            "man", "woman" if pronoun == "she" else "man"),
        f'"I went because {rng.choice(JOINED)}," {first} said. "Nobody told me the truth."',
        f"{first} said {pronoun} decided to escape because {reason}. "
        f"{pronoun.capitalize()} crossed into Turkey with the help of a smuggler.",
        rng.choice(FILLER),
        f'"In {other} I understood that {reason2}," {pronoun} told the {rng.choice(OUTLETS)}.',
        f"{analyst}, a researcher who studies returnees, said such accounts are common. "
        "Analysts warn that many people never speak about their time inside.",
        rng.choice(FILLER),
    ]
    return {"id": f"gen-{i}", "title": f"Returnee story {i}", "outlet": rng.choice(OUTLETS),
            "published": f"{left + 2}", "kind": "news", "language": "en",
            "text": "\n\n".join(parts)}


def generate(n: int, seed: int = 12) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    for i in range(n):
        yield document(rng, i)


def write_jsonl(path: Path, n: int, seed: int = 12) -> Path:
    """``n`` generated records as one JSONL file (written a line at a time)."""
    with path.open("w", encoding="utf-8") as fh:
        for record in generate(n, seed):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
