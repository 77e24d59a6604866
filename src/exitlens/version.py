"""The package version, in a module of its own so that lower layers (the store's analysis
fingerprint) can read it without importing the package ``__init__`` (which imports
:class:`~exitlens.project.Project`)."""

__version__ = "0.2.0"
