# Restock Bot: one image for every role — `run --role listener|worker|all` and the one-shot `db upgrade`.
# The same steps as the README's (a venv, pip install, restock-bot run), on a slim base, as a non-root user.
# Alone it runs everything on the embedded SQLite in /data; compose.yaml runs the roles on PostgreSQL.
FROM python:3.11-slim

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin restock \
 && mkdir -p /data /etc/restock-bot \
 && chown restock /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN python3 -m venv .venv && .venv/bin/pip install --no-cache-dir .

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RESTOCK_BOT_DATABASE_URL=sqlite+aiosqlite:////data/restock-bot.db \
    RESTOCK_BOT_HOST=0.0.0.0 \
    RESTOCK_BOT_PORT=8080

USER restock
VOLUME /data
EXPOSE 8080

# Every role serves /healthz (200 while the database answers); `db upgrade` exits before it matters.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('RESTOCK_BOT_PORT', '8080') + '/healthz', timeout=4)"]

ENTRYPOINT ["restock-bot"]
CMD ["run"]
