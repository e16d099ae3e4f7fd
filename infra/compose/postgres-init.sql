-- The Prefect server's own database, beside MLflow's (POSTGRES_DB creates `mlflow`).
CREATE DATABASE prefect OWNER xrouter;
