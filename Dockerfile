# The engine's image: worker, web app and migrations run from it with different commands.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /build
COPY pyproject.toml README.md worker.py starter.py ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY ehcna ./ehcna
COPY dev/build_assets.py ./dev/build_assets.py
COPY --from=assets /build/node_modules ./node_modules
# the GOV.UK assets go into the package before it is built, so the wheel carries them
RUN python dev/build_assets.py && pip install --no-cache-dir . && rm -rf /build
RUN useradd --system --create-home --home-dir /app ehcna
WORKDIR /app
USER ehcna
# the installed worker and web app carry their policy, templates, assets and migrations
CMD ["python", "-m", "worker"]
