"""The one place that reads the process environment (django-environ)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is a convenience for developers; real deployments set variables.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")
