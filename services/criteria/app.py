"""WSGI entry point: ``gunicorn 'services.criteria.app:create_app()'``."""

from flask import Flask

from kit import app as kit_app
from services.criteria.service import SERVICE


def create_app() -> Flask:
    return kit_app.create_app(SERVICE)
