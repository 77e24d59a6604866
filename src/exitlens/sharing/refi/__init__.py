"""REFI-QDA 1.0 interchange (NVivo, ATLAS.ti, MAXQDA, QualCoder): ``write_qdc``,
``write_qdpx``, ``read_qdc``, ``read_qdpx``; the database import is
:func:`exitlens.sharing.refi.importer.import_refi` (``Project.import_refi``)."""

from .common import RefiError
from .reader import RefiProject, read_qdc, read_qdpx
from .writer import write_qdc, write_qdpx

__all__ = ["RefiError", "RefiProject", "read_qdc", "read_qdpx", "write_qdc", "write_qdpx"]
