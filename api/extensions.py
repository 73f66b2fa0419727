"""Flask extensions, created here and bound in the app factory."""
from __future__ import annotations

from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
api = Api()
