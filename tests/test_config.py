"""params.yaml loading: the real file validates; every block is declared, bad values and unknown keys fail
naming the field; the models' defaults are params.yaml's values (one source)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


from xrouter.config import Params, ParamsError, load_params

REPO = Path(__file__).resolve().parents[1]


def test_real_params_resolve_the_bundle_relative_to_the_project() -> None:
    p = load_params(REPO / "params.yaml")
    assert p.data.bundle.is_absolute() and (p.data.bundle / "README.md").is_file()
    assert p.path(p.paths.data) == REPO / "data"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"prepare": {"split_fractions": {"train": 0.9, "val": 0.2, "test": 0.2}}}, "prepare.split_fractions"),
        ({"prepare": {"chars_per_token": 0}}, "prepare.chars_per_token"),
        ({"prepare": {"unknown_knob": 1}}, "prepare.unknown_knob"),
        ({"data": {}}, "data.bundle"),
        ({"trian": {"policy": "embedded"}}, "trian"),  # a misspelt block
        ({"train": {"embedded": {"stepz": 10}}}, "train.embedded.stepz"),
        ({"gate": {"overall": {"max_cost_vs_best_singel": 0.7}}}, "gate.overall.max_cost_vs_best_singel"),
        ({"env": {"reward": {"lam": 2.0}}}, "env.reward.lam"),  # λ is not a reward setting any more
        ({"evaluate": {"lam": -1.0}}, "evaluate.lam"),
    ],
)
def test_bad_values_name_the_field(tmp_path: Path, patch: dict, field: str) -> None:
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    for block, values in patch.items():
        raw[block] = values if block not in raw or block == "data" else _merge(raw[block], values)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParamsError, match=field.replace(".", r"\.")):
        load_params(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")


def _merge(base: dict, patch: dict) -> dict:
    out = dict(base)
    for k, v in patch.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def test_every_default_is_the_value_params_yaml_gives() -> None:
    """One source: a model built in code (tests, notebooks, the serving config) behaves as `dvc repro` does."""
    loaded = load_params(REPO / "params.yaml")
    for name, field in Params.model_fields.items():
        if name in ("root", "data"):  # data.bundle is a path, deliberately without a default
            continue
        default = field.get_default(call_default_factory=True)
        assert getattr(loaded, name).model_dump(mode="json") == default.model_dump(mode="json"), name
