"""Flask extensions, created here and bound in the app factory."""
from __future__ import annotations

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
api = Api()
#: Alembic through Flask-Migrate: ``flask --app api db upgrade`` (the revisions are in api/migrations)
migrate = Migrate()
