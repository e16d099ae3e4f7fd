# MLflow's tracking server with the PostgreSQL driver and the S3 client (the official image has neither).
FROM python:3.11-slim
RUN pip install --no-cache-dir "mlflow==3.17.2" "psycopg[binary]>=3.2,<4" "boto3>=1.34,<2"
ENV LITELLM_LOCAL_MODEL_COST_MAP=True
EXPOSE 5000
