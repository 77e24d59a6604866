"""Writing a file so that a failure never leaves one that looks complete.

The report, the table exports and the REFI-QDA writer all write into a temporary file beside
the target, flush it to disk and rename it into place (``os.replace``) only when whole; any
error removes the temporary file. An ``OSError`` becomes the caller's
:class:`~exitlens.errors.ExitlensError` (``bad_output_path``) naming the target.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .errors import ExitlensError


def write_atomically(target: Path, write: Callable[[IO[Any]], object], *,
                     error: Callable[[str], ExitlensError], binary: bool = False,
                     mode: int | None = 0o644) -> Path:
    """Call ``write`` with an open temporary file beside ``target`` (text UTF-8, or bytes
    with ``binary``), then rename it to ``target``. ``mode`` is applied before the rename
    (``mkstemp`` makes files private; None keeps that). On an ``OSError`` the exception
    ``error(reason)`` is raised instead."""
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp")
        tmp = Path(name)
        with (os.fdopen(fd, "wb") if binary else
              os.fdopen(fd, "w", encoding="utf-8")) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise error(str(exc.strerror or exc)) from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return target
