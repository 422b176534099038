# The engine's image: worker, web app and migrations run from it with different commands.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY gateway ./gateway
COPY store ./store
COPY reports ./reports
COPY importer ./importer
COPY notifications ./notifications
COPY web ./web
COPY config ./config
COPY scripts ./scripts
COPY worker.py starter.py settings.py logconfig.py devstack.py cli.py ./
RUN pip install --no-cache-dir . && python -m compileall -q workflows
COPY --from=assets /build/node_modules/govuk-frontend/dist/govuk /tmp/govuk
RUN python scripts/build_assets.py --from /tmp/govuk && rm -rf /tmp/govuk
RUN useradd --system --home /app ehcna && chown -R ehcna /app
USER ehcna
CMD ["python", "worker.py"]
