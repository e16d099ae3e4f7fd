"""`make gpu-config-check`: the GPU lock's verl + Hydra compose dapo_xrouter in a throwaway venv (no torch), and the
router prompt fits max_prompt_length. Slow: it installs packages into a fresh venv (uv, from the package index)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("config_check", REPO / "infra" / "gpu" / "config_check.py")
config_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config_check)


def test_lock_pins_stable_hydra_and_omegaconf() -> None:
    pins = config_check.lock_versions()
    assert pins["verl"] == "0.9.1"
    major, minor = (int(x) for x in pins["hydra-core"].split(".")[:2])
    assert (major, minor) == (1, 3) and pins["omegaconf"].startswith("2.3.")
    assert not any(c.isalpha() for c in pins["hydra-core"] + pins["omegaconf"])  # no rc / dev releases


def test_lock_versions_names_what_is_missing(tmp_path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("verl==0.9.1\n    # via -r requirements.in\nHydra_Core==1.3.8\n")
    assert config_check.lock_versions(lock, ("verl", "hydra-core")) == {"verl": "0.9.1", "hydra-core": "1.3.8"}
    with pytest.raises(ValueError, match="omegaconf"):
        config_check.lock_versions(lock, ("verl", "omegaconf"))


@pytest.mark.slow
def test_dapo_xrouter_composes_with_the_locks_verl_and_the_prompt_fits(tmp_path, data_dir) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    report = config_check.run_check(tmp_path, Path(data_dir), uv)
    assert report["composed"] and report["unknown_keys"] == []
    assert report["hydra_core"] == report["lock"]["hydra-core"] and report["omegaconf"] == report["lock"]["omegaconf"]
    assert report["settings"]["attn_implementation"] == "sdpa" and report["settings"]["use_remove_padding"] is False
    tokens = report["prompt_tokens"]
    assert tokens["n_tools"] == 29 and tokens["fits"], tokens
    assert not (tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "torch").exists()
