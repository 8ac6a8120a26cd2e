# One image for web, worker and beat (cookiecutter-django style); the compose file picks the command.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install -r requirements.lock
COPY . .
RUN useradd --system --uid 1000 attune && mkdir -p /app/var && chown attune /app/var
USER attune
RUN DJANGO_SETTINGS_MODULE=backend.settings.local REDIS_URL=redis://unused:6379/0 \
    python manage.py collectstatic --noinput -v 0
EXPOSE 8000
CMD ["gunicorn", "backend.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
