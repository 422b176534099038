"""Importing a council's history and open cases from CSV (docs/import-format.md).

``csv_format`` reads the files into typed rows with per-line errors;
``plan`` replays each row's recorded steps through the domain rules, so
history is held to the same statute as live cases; ``load`` writes closed
cases to the store and starts open cases' workflows from their real day 0;
``command`` is the ``import`` command of the CLI.
"""
