"""The reference central platform for Counter desks.

An HTTP API (FastAPI + uvicorn) speaking :mod:`sync.protocol`, on SQLite by
default or PostgreSQL at scale, plus the operator commands around it::

    python -m central create-desk --db central.db --site 330106001 --window W01 一号窗口
    python -m central add-user clerk1 --db central.db --role clerk --site 330106001 --password-stdin < pw.txt
    python -m central publish-catalog --db central.db counter_app/resources/catalog/items.json \\
        --bundles counter_app/resources/catalog/bundles.json
    python -m central publish-calendar --db central.db counter_app/resources/calendar/cn_workdays.json
    python -m central serve --db central.db --port 8765
    python -m central serve --database-url postgresql://user@host/db --workers 4

Modules: ``db`` (SQLite/PostgreSQL adapter and schema), ``admin`` (desks,
enrollment, users, catalog, calendar), ``ops`` (applying pushed operations,
back-office status), ``feed`` (the changes feed and snapshots), ``blobs``
(resumable content-addressed uploads), ``statuspage`` (the applicant's
status page), ``limits`` (body size), ``api`` (routes), ``embedded`` (in-process server), ``demo`` (demo data
and the back-office simulator), ``cli``. Only :mod:`sync.protocol` is shared
with the desk.
"""
