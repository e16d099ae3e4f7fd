"""JSON Schemas of the `gold` column, one per grader: the form each grader needs its reference answer in.

The `validate` stage checks every benchmark row's gold against the schema of its grader, so a loader that
drops or malforms an answer field fails the pipeline before any evaluation runs.

Each schema names its draft (07): without `$schema`, jsonschema picks the newest draft, whose metaschema check
(Great Expectations validates the schema again for every row) is about 5 times slower on these schemas.
"""

from __future__ import annotations

from typing import Any

_STR = {"type": "string", "minLength": 1}
_GRID = {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "items": {"type": "integer"}}}


def _obj(required: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": sorted(required), "properties": required}


DRAFT = "http://json-schema.org/draft-07/schema#"

_FORMS: dict[str, dict[str, Any]] = {
    "math_verify": _obj({"answers": {"type": "array", "minItems": 1, "items": _STR}}),
    "multiple_choice": _obj(
        {"letter": {"type": "string", "pattern": "^[A-Z]$"}, "options": {"type": "array", "minItems": 2}}
    ),
    "evalplus": _obj(
        {
            "entry_point": _STR,
            "reference": _STR,
            "base_input": {"type": "array", "minItems": 1},
            "plus_input": {"type": "array"},
        }
    ),
    "livecodebench": _obj(
        {
            "tests": {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "input": {"type": "string"},
                        "output": {"type": "string"},
                        "testtype": {"enum": ["stdin", "functional"]},
                    }
                ),
            }
        }
    ),
    # CruxEval inputs may be empty (sample_135 is `def f():`), so `input` is any string.
    "cruxeval_output": _obj({"code": _STR, "input": {"type": "string"}, "output": _STR}),
    "cruxeval_input": _obj({"code": _STR, "input": {"type": "string"}, "output": _STR}),
    "bbeh": _obj({"target": _STR}),
    "arc_grid": _obj({"outputs": {"type": "array", "minItems": 1, "items": _GRID}}),
    "ifeval": _obj(
        {"instruction_id_list": {"type": "array", "minItems": 1, "items": _STR}, "kwargs": {"type": "array"}}
    ),
    "ifbench": _obj(
        {"instruction_id_list": {"type": "array", "minItems": 1, "items": _STR}, "kwargs": {"type": "array"}}
    ),
}

GOLD_SCHEMAS: dict[str, dict[str, Any]] = {grader: {"$schema": DRAFT, **form} for grader, form in _FORMS.items()}
