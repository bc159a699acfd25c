# sheetsync worker image: `docker build -t sheetsync .` then see compose.yaml.
# Mount points: /app/config (the TOML config, read-only) and /data (state store, writable).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user owns /data, nothing else.
RUN groupadd --gid 10001 sheetsync \
    && useradd --uid 10001 --gid 10001 --create-home sheetsync \
    && mkdir -p /app/config /data \
    && chown sheetsync:sheetsync /data

WORKDIR /app

# Dependencies in their own layer, rebuilt only when the lock changes: the locked runtime
# set (`make lock` exports it from uv.lock), each file checked against its hash.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# The package itself, without touching the dependencies installed above.
COPY pyproject.toml README.md ./
COPY sheetsync ./sheetsync
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build sheetsync.egg-info

USER 10001:10001

ENV SHEETSYNC_CONFIG=/app/config/sheetsync.toml \
    SHEETSYNC_STATE__PATH=/data/state.sqlite \
    SHEETSYNC_DOMAINS__CACHE_DIR=/data/cache \
    SHEETSYNC_SERVER__HOST=0.0.0.0 \
    SHEETSYNC_SERVER__PORT=8080 \
    SHEETSYNC_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080

# slim has no curl: ask /healthz with the standard library (exit 1 on 503 or no answer).
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SHEETSYNC_SERVER__PORT', '8080'), timeout=5)"]

CMD ["sheetsync", "serve"]
