"""A tiny fictional analysed project, written straight into the store (no pipeline run),
for the round, agreement and learning-from-review tests.

Every name and sentence here is invented for exitlens tests.
"""

from __future__ import annotations

import hashlib

from exitlens import Project
from exitlens.store.schema import (
    AnalysisRow,
    CodingRow,
    DocumentRow,
    MentionRow,
    PersonRow,
)

STORY = ("Abu Marwen{n} left the brigade in the winter. He said the emirs kept the zakat money "
         "for themselves and drove new cars. He also said the brigades fought each other over "
         "checkpoints instead of the regime. The reporter, Tilda Vask{n}, met him in a cafe.")


def add_document(project: Project, n: int, *, suggestions: dict[str, str] | None = None,
                 defectors: int = 1) -> int:
    """One analysed document with ``defectors`` defectors (the first named Abu Marwen<n>)
    and automatic suggestions for the first: code → coder name."""
    text = STORY.format(n=n)
    with project.db.session() as session:
        doc = DocumentRow(text_sha256=hashlib.sha256(text.encode()).hexdigest(), text=text,
                          n_chars=len(text), title=f"Interview {n}", kind="news", fmt="txt",
                          meta={})
        session.add(doc)
        session.flush()
        analysis = AnalysisRow(document_id=doc.id, fingerprint="test", stages=[], notes=[])
        session.add(analysis)
        session.flush()
        people = []
        for i in range(defectors):
            start = 0 if i == 0 else text.index("Tilda")
            name = f"Abu Marwen{n}" if i == 0 else f"Tilda Vask{n}"
            person = PersonRow(document_id=doc.id, analysis_id=analysis.id, ordinal=i,
                               name=name, role="defector", role_confidence=0.9, role_cues=[],
                               profile={}, evidence=[[0, len(text)]])
            session.add(person)
            session.flush()
            session.add(MentionRow(person_id=person.id, start=start, end=start + len(name),
                                   kind="name"))
            people.append(person)
        for code, coder in (suggestions or {}).items():
            anchor = "emirs kept" if code == "corruption" else "fought each other"
            start = text.index(anchor)
            session.add(CodingRow(document_id=doc.id, person_id=people[0].id,
                                  analysis_id=analysis.id, code=code, start=start,
                                  end=start + 40, coder=coder, confidence=0.8,
                                  status="suggested"))
        return int(doc.id)


def span_of(project: Project, doc_id: int, phrase: str) -> tuple[int, int]:
    text = project.document(doc_id).text
    start = text.index(phrase)
    return start, start + len(phrase)
