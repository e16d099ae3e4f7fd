"""Real local servers for tests (PostgreSQL, ...), started in temp dirs on 127.0.0.1 and stopped after."""
