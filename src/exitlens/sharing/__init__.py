"""Sharing a project: the export bundle, redaction, table exports and the quote bank.

Lower layer: these modules import store/model/coding/cases/reading only, never project or cli.
"""
