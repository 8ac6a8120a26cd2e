# One image for web, worker and beat (cookiecutter-django style); the compose file picks the command.
# Two stages: the first builds a virtualenv from requirements/runtime.lock alone (no test, benchmark or
# development tool: requirements/dev.lock never enters the image); the second carries that virtualenv and the
# code, and runs as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/runtime.lock /tmp/runtime.lock
# --no-deps: the lock is the complete closure, so nothing unpinned can slip in; pip check proves it is complete.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps -r /tmp/runtime.lock \
    && /opt/venv/bin/pip check

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin attune
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# .dockerignore keeps tests/, bench/, docs/, scripts/ and the development lock out.
COPY --chown=root:root . .
RUN mkdir -p /app/var && chown attune /app/var
USER attune
RUN DJANGO_SETTINGS_MODULE=backend.settings.local REDIS_URL=redis://unused:6379/0 \
    python manage.py collectstatic --noinput -v 0
EXPOSE 8000
CMD ["gunicorn", "backend.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
