"""Distributed processing: ``exitlens process`` (files → Parquet tables and SPEC §3 records
on a Dask cluster), ``exitlens load`` (those tables → a database) and the worker side of
``exitlens analyze --dask``. See :mod:`exitlens.process.run` for the output layout."""

from .load import LoadReport, load_output
from .run import ProcessError, ProcessReport, process

__all__ = ["LoadReport", "ProcessError", "ProcessReport", "load_output", "process"]
