# A Prefect worker with the project's locked CPU environment (the same lock `make run` uses); the project
# itself is mounted at /app at run time (docker-compose.yaml).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN uv pip install --system --no-cache -r requirements.lock \
      --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match
COPY xrouter xrouter
RUN uv pip install --system --no-deps --no-cache -e .
ENV LITELLM_LOCAL_MODEL_COST_MAP=True
