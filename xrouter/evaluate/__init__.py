"""The evaluation harness: run any policy over benchmark or replay items through any backend, grade, report
and gate (`xrouter.evaluate.harness`, `.summary`, `.report`, `.gate`)."""
