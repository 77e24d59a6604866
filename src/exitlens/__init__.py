"""exitlens: why people leave violent extremist groups, from their own testimonies.

The public API is :class:`exitlens.Project`; see README.md and ARCHITECTURE.md.
"""

from .errors import ExitlensError
from .project import Project
from .version import __version__

__all__ = ["ExitlensError", "Project", "__version__"]
