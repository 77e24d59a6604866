"""exitlens: why people leave violent extremist groups, from their own testimonies.

The public API is :class:`exitlens.Project`; see README.md and ARCHITECTURE.md.
"""

__version__ = "0.1.0"

from .errors import ExitlensError
from .project import Project

__all__ = ["ExitlensError", "Project", "__version__"]
