"""Near-duplicate detection: the same wire story reprinted by another outlet.

Documents are compared by the Jaccard similarity of their word shingles,
estimated with MinHash and looked up with LSH (datasketch), so adding a
document costs about the same whatever the size of the corpus. Near-duplicates
are *linked*, never dropped: a reprint may carry a sentence the original lacks,
and a researcher must see both.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)
# datasketch ≥ 2 refuses stored hash values without the scheme that made them; every
# signature exitlens stores is made (and read back) with this one.
MINHASH_SCHEME = "affine32"


def shingles(text: str, size: int) -> set[bytes]:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


class NearDuplicateIndex:
    """In-memory MinHash LSH over the corpus, rebuilt from stored signatures on open."""

    def __init__(self, threshold: float, num_perm: int, shingle_words: int):
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sigs: dict[int, MinHash] = {}

    def signature(self, text: str) -> MinHash:
        mh = MinHash(num_perm=self.num_perm, seed=1, scheme=MINHASH_SCHEME)
        sh = shingles(text, self.shingle_words)
        if sh:
            mh.update_batch(list(sh))
        return mh

    @staticmethod
    def to_bytes(mh: MinHash) -> bytes:
        return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()

    def from_bytes(self, blob: bytes) -> MinHash | None:
        values = np.frombuffer(blob, dtype=np.uint64)
        if len(values) != self.num_perm:
            return None  # made with other settings; skipped
        return MinHash(num_perm=self.num_perm, seed=1, hashvalues=values, scheme=MINHASH_SCHEME)

    def add(self, doc_id: int, mh: MinHash) -> None:
        if doc_id in self._sigs:
            return
        self._sigs[doc_id] = mh
        self._lsh.insert(doc_id, mh)

    def query(self, mh: MinHash) -> list[tuple[int, float]]:
        """Existing documents whose estimated Jaccard similarity reaches the threshold."""
        hits = []
        for doc_id in self._lsh.query(mh):
            score = float(mh.jaccard(self._sigs[doc_id]))
            if score >= self.threshold:
                hits.append((int(doc_id), score))
        return sorted(hits, key=lambda h: -h[1])

    def __len__(self) -> int:
        return len(self._sigs)
