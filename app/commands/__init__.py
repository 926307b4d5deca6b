"""Commands that run on the server machine (``bencher server ...``).

The ``bencher`` CLI mounts :data:`app.commands.server.server` lazily, by name, so that ``cli/``
never imports ``app`` and a CLI-only install (no Flask, SQLAlchemy or Celery) still works.
"""
