"""``python -m exitlens`` runs the command line."""

from .cli import main

main()
