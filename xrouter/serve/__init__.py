"""Serving: the router as an OpenAI-compatible service (FastAPI app, BentoML service) with a cost ledger."""
