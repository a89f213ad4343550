# Runs `restock-bot run` on the embedded default (SQLite in /data). Same steps as the README.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN python3 -m venv .venv && .venv/bin/pip install --no-cache-dir -e .
ENV RESTOCK_BOT_DATABASE_URL=sqlite+aiosqlite:////data/restock-bot.db \
    RESTOCK_BOT_HOST=0.0.0.0 \
    RESTOCK_BOT_PORT=8080
VOLUME /data
EXPOSE 8080
CMD [".venv/bin/restock-bot", "run"]
