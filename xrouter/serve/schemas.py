"""The OpenAI chat-completions request as this service accepts it, and OpenAI-schema errors.

Beyond OpenAI's fields a request may carry (through the client's `extra_body`) `lambda` — the cost/accuracy
trade-off of this request, within the router card's trained range — and `max_cost_usd`, a hard cap on what
the request may spend. Unknown OpenAI parameters (temperature, top_p, ...) are accepted and not used: the
router chooses each call's temperature.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator


class ApiError(Exception):
    """An error answered in OpenAI's schema: {"error": {"message", "type", "param", "code"}}."""

    def __init__(self, status: int, message: str, *, code: str, param: str | None = None,
                 type_: str = "invalid_request_error", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type_
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["text"]
    text: str


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    lambda_: float | None = Field(None, alias="lambda", gt=0, allow_inf_nan=False)
    max_cost_usd: float | None = Field(None, gt=0, allow_inf_nan=False)

    @field_validator("messages")
    @classmethod
    def _has_user_text(cls, v: list[Message]) -> list[Message]:
        if not any(m.role == "user" and m.text().strip() for m in v):
            raise ValueError("needs at least one user message with non-empty content")
        return v

    def chat(self) -> tuple[dict[str, str], ...]:
        """The chat as target models receive it: roles system/user/assistant (developer counts as system)."""
        role = {"developer": "system"}
        return tuple({"role": role.get(m.role, m.role), "content": m.text()} for m in self.messages
                     if m.role != "tool")

    def output_cap(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


def error_from_validation(errors: list[dict[str, Any]]) -> ApiError:
    first = errors[0]
    param = ".".join(str(p) for p in first["loc"] if p != "body") or None
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
    return ApiError(400, message, code="invalid_value" if param else "invalid_request", param=param)
