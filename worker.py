"""Run the EHCNA worker: ``python worker.py``.

Settings come from the environment (``ehcna/settings.py`` lists them); a bad
setting or policy file stops the worker with each problem named before
anything starts. The wiring is ``ehcna.bootstrap``.
"""

from ehcna.bootstrap import main_worker

if __name__ == "__main__":
    main_worker()
