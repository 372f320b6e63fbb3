"""The WSGI application for gunicorn (or another WSGI server): the node of ``ROAMING_INSTANCE``.

    ROAMING_INSTANCE=/srv/roaming gunicorn -c python:roaming.gunicorn_conf roaming.wsgi:app

It logs as configured (``log_level``, ``log_format``) and refuses to start on a database that is
behind the code's migrations. It makes the unknown-account hash before it serves, so that the
first log-in with an unknown e-mail costs no more than others. It runs no worker: start
``roaming worker`` processes beside it.
"""

from __future__ import annotations

from roaming import create_app, logs, migrate
from roaming.accounts.operations import prepare_for_logins, warn_of_testing_mode
from roaming.config import ConfigurationError
from roaming.db import engine_for

app = create_app()
logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
warn_of_testing_mode(app)
_behind = migrate.behind(app, engine_for(app))
if _behind:
    raise ConfigurationError(f"The database is not up to date ({'; '.join(_behind)}): run 'roaming db upgrade'.")
prepare_for_logins(app)
