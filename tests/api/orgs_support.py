"""Users of the other bureau (nj-scj) that the demo lacks, made straight in the database for the bureau tests."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from api.extensions import db
from api.models import Certificate, Organisation, User
from api.security import hash_password


def org_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.code == code))


def make_user(app, username: str, roles: list[str], org: str, cert: str | None = None) -> str:
    """A user of organisation ``org`` (password "demo"), once; returns the username."""
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            user = User(username=username, display_name=f"{org} {username}", roles=roles,
                        password_hash=hash_password("demo"), org_id=org_id(app, org), demo=True)
            db.session.add(user)
            db.session.flush()
            if cert:
                db.session.add(Certificate(user_id=user.id, number=cert, category="行政执法证", area="宁晋县",
                                           valid_from=date(2024, 1, 1), valid_to=None))
            db.session.commit()
    return username


def scj_admin(app) -> str:
    """An admin of the market-regulation bureau (nj-scj): the attacker with edit rights over there."""
    return make_user(app, "admin-scj", ["admin"], "nj-scj")


def open_task(http, iid: int, element_id: str, as_user: str = "head3") -> dict:
    """An open task of a case, looked up by a user of the case's bureau (``http.open_task`` asks nj-mzj's auditor)."""
    body = http.call("GET", f"/api/v1/instances/{iid}", as_user).get_json()
    matches = [t for t in body["tasks"] if t["element_id"] == element_id]
    assert matches, body
    return matches[0]
