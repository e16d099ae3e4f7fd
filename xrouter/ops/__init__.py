"""Operations: the local servers behind `make ui` and the tests (PostgreSQL, the MLflow tracking server, the
Prefect server and its worker), the Prefect artifacts flows publish, and the links between the two UIs."""
