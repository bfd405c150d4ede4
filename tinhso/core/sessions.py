"""Sessions in the database, as Django's own store keeps them, read by one statement written once
(tinhso.core.sql.session_row) instead of an ORM query built anew for every signed-in request.
settings.SESSION_ENGINE names this module."""

from django.contrib.sessions.backends import db
from django.utils import timezone

from tinhso.core import sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):  # type: ignore[no-untyped-def]
        key = self.session_key
        row = sql.session_row(key, now=timezone.now()) if key else None
        if row is None:
            self._session_key = None
            return None
        data, expire_date = row
        return self.model(session_key=key, session_data=data, expire_date=expire_date)
