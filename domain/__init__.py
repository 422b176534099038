"""The statutory rules of an EHC needs assessment, as pure Python.

Nothing in this package does I/O or imports Temporal or SQLAlchemy, so the
rules can be tested alone and used inside workflow code.
"""
