"""Values out of the sandbox as plain data, and the type-strict equality the code graders compare them with.

The verdict is the parent's: a harness in the sandbox never sees an expected value and never decides pass or
fail. It writes what the graded code returned, one JSON record per line, on its own copy of the standard
output (`_child_report`); `read_records` parses them in the parent, `decode` rebuilds each value from plain
data only, and the grader compares with `same`. Whatever the graded code does inside the sandbox (patching
the harness, forging lines on file descriptor 1, returning an object whose ``__eq__`` is always True, reading
the harness's stack) it can only change the values reported, never the expected ones or the comparison.

Encoding (`_child_encode`; JSON with one-key objects for what JSON lacks): None, bool, int (a hex string
past 4,000 digits), float (NaN and infinities as JSON's NaN/Infinity), str as themselves;
``{"list": [...]}``, ``{"tuple": [...]}``, ``{"set": [...]}``, ``{"frozenset": [...]}``,
``{"dict": [[k, v], ...]}``, ``{"bytes": base64}``, ``{"complex": [re, im]}``, ``{"bigint": hex}``. A subclass
of one of these types is encoded as its base type's plain value (its overrides are dropped); anything else
becomes ``{"opaque": "<type name>"}``, which `decode` turns into an `Opaque` equal to nothing. Nesting is
capped at `MAX_DEPTH`; deeper values are opaque.

`same(out, expected)`: the types must agree and then the values, recursively. The tolerated equivalences,
kept from the upstream graders' ``==``: an int and a float of equal value; set elements and dict keys are
matched by Python's hash equality (so ``{1}`` and ``{1.0}`` agree). Never tolerated: bool for int (``True``
for ``1``), list for tuple, str for bytes. Graders add their own tolerances on top (EvalPlus: ``atol`` with
``numpy.allclose``).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 100
_TAGS = ("list", "tuple", "set", "frozenset", "dict", "bytes", "complex", "bigint", "opaque")


class BadRecord(ValueError):
    """A value or record that is not in the encoding (malformed, too deep, of an unknown tag)."""


@dataclass(frozen=True)
class Opaque:
    """A value the sandbox could not express as plain data; equal to nothing but itself."""

    type_name: str


def decode(data: Any, depth: int = 0) -> Any:
    """The Python value of encoded ``data``; raises `BadRecord` for anything outside the encoding."""
    if depth > MAX_DEPTH:
        raise BadRecord("nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) != 1:
        raise BadRecord(f"not an encoded value: {type(data).__name__}")
    ((tag, body),) = data.items()
    if tag in ("list", "tuple", "set", "frozenset", "dict") and type(body) is not list:
        raise BadRecord(f"{tag}: expected a list of items")
    try:
        if tag == "list":
            return [decode(v, depth + 1) for v in body]
        if tag == "tuple":
            return tuple(decode(v, depth + 1) for v in body)
        if tag in ("set", "frozenset"):
            items = [decode(v, depth + 1) for v in body]
            return set(items) if tag == "set" else frozenset(items)
        if tag == "dict":
            if not all(type(pair) is list and len(pair) == 2 for pair in body):
                raise BadRecord("dict: expected [key, value] pairs")
            return {decode(k, depth + 1): decode(v, depth + 1) for k, v in body}
        if tag == "bytes" and type(body) is str:
            return base64.b64decode(body, validate=True)
        if tag == "complex" and type(body) is list and len(body) == 2:
            real, imag = body
            if type(real) in (int, float) and type(imag) in (int, float):
                return complex(real, imag)
        if tag == "bigint" and type(body) is str:
            return int(body, 16)
        if tag == "opaque" and type(body) is str:
            return Opaque(body[:200])
    except (TypeError, ValueError) as exc:  # unhashable set members or dict keys, bad base64 or hex
        raise BadRecord(f"{tag}: {exc}") from exc
    raise BadRecord(f"unknown or malformed tag {tag!r}")


def same(out: Any, expected: Any) -> bool:
    """Type-strict equality (see the module docstring for the tolerated equivalences)."""
    if type(out) is not type(expected):
        numbers = (int, float)
        return type(out) in numbers and type(expected) in numbers and out == expected
    if type(expected) in (list, tuple):
        return len(out) == len(expected) and all(same(a, b) for a, b in zip(out, expected))
    if type(expected) is dict:
        return out.keys() == expected.keys() and all(same(out[k], expected[k]) for k in expected)
    if type(expected) is float and math.isnan(expected):
        return False  # as ``==``
    return out == expected


def read_records(text: str) -> list[dict[str, Any]]:
    """The harness's JSON records, one per line, in order; a line that is not a JSON object ends the list
    (nothing after a forged or broken line is read)."""
    records = []
    for line in text.split("\n"):
        if not line:
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            break
        if type(record) is not dict:
            break
        records.append(record)
    return records


def encode(value: Any) -> Any:
    """The parent's own encoding of a value (used for what the parent sends in: inputs, arguments)."""
    return _child_encode(value)


# ---------------------------------------------------------------------------------------------------------
# Shipped to harnesses by `child_program`: they run only in the sandbox and import what they need.


def _child_encode(value, depth=0):
    import base64

    if depth > 100:
        return {"opaque": "too deep"}
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value).bit_length() < 13000 else {"bigint": hex(value)}
    if kind is float:
        return value  # JSON carries NaN and the infinities as NaN / Infinity
    for base in (int, float, str, bytes, complex, list, tuple, set, frozenset, dict):
        if isinstance(value, base) and kind is not base:  # a subclass: its base type's plain value
            if base in (list, tuple, set, frozenset):
                return _child_encode(base(base.__iter__(value)), depth)
            if base is dict:
                return _child_encode(dict(dict.items(value)), depth)
            if base is str:
                return str.__str__(value)
            if base is int:
                return _child_encode(int.__index__(value), depth)
            if base is float:
                return float.__float__(value)
            if base is complex:
                return _child_encode(complex(complex.__complex__(value)), depth)
            return _child_encode(bytes(value), depth)
    if kind is list or kind is tuple or kind is set or kind is frozenset:
        return {kind.__name__: [_child_encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {
            "dict": [[_child_encode(k, depth + 1), _child_encode(v, depth + 1)] for k, v in value.items()]
        }
    if kind is bytes:
        return {"bytes": base64.b64encode(value).decode()}
    if kind is complex:
        return {"complex": [value.real, value.imag]}
    if kind.__module__ == "numpy" and hasattr(value, "item"):  # numpy scalars, where numpy exists
        return _child_encode(value.item(), depth)
    return {"opaque": f"{kind.__module__}.{kind.__qualname__}"}


def _child_decode(data):
    """The child's reading of values the parent sent in (inputs): plain data only, as `decode`."""
    import base64

    if data is None or type(data) in (bool, int, float, str):
        return data
    ((tag, body),) = data.items()
    if tag in ("list", "tuple", "set", "frozenset"):
        items = [_child_decode(v) for v in body]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        return {_child_decode(k): _child_decode(v) for k, v in body}
    if tag == "bytes":
        return base64.b64decode(body)
    if tag == "complex":
        return complex(*body)
    if tag == "bigint":
        return int(body, 16)
    raise ValueError(f"cannot decode {tag!r}")
