"""The WSGI entry point: gunicorn wsgi:app, flask --app wsgi <command>."""
from app import create_app

app = create_app()
