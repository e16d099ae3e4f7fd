-- The Prefect server's database and the serving cost ledger's, beside MLflow's (POSTGRES_DB creates `mlflow`).
CREATE DATABASE prefect OWNER xrouter;
CREATE DATABASE ledger OWNER xrouter;
