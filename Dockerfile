# One image for the web app, the Celery worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HELPDESK_VAR_DIR=/app/var

RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --home-dir /app --no-create-home --shell /usr/sbin/nologin helpdesk

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. python-ldap is built
# against OpenLDAP's headers, which leave again with the compiler; its libraries stay.
COPY requirements.txt .
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libldap-dev libsasl2-dev libldap-2.5-0 libsasl2-2 \
    && pip install -r requirements.txt \
    && apt-get purge -y --auto-remove gcc libldap-dev libsasl2-dev \
    && rm -rf /var/lib/apt/lists/*

COPY . .

# Static files are built into the image (WhiteNoise serves them). The key and broker below
# exist only for this step: settings refuse DEBUG=0 without a key, and the default
# filesystem broker would create folders in the image. tests/test_production.py runs this
# very step, read from this file.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-build-time-key-not-used-at-runtime CELERY_BROKER_URL=memory:// \
        python manage.py collectstatic --noinput

RUN mkdir -p /app/var/media \
    && chown -R helpdesk:helpdesk /app/var

USER helpdesk

EXPOSE 8000

# Workers, threads and connections from gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "helpdesk.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
