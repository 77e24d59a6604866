"""Reading a document: sentences, quotes and speakers, people, roles, profiles, evidence.

Each module provides one pipeline stage (registered in ``pyproject.toml`` under
``exitlens.stages``); see ARCHITECTURE.md for the order and what each fills in.
"""
