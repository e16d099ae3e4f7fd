"""The tool-calling LLM router: a chat LM that reads the request and the tools (models with their prices) and
emits tool calls or an answer over several turns, trained with DAPO on the environment's reward."""
