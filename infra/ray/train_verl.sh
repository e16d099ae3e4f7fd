#!/usr/bin/env bash
# DAPO training of the LLM router with verl on the Ray cluster of infra/ray/cluster.yaml (run on the head by
# `ray submit`). Expects the prepared tables in $XROUTER_VERL_DATA_DIR on every node (default /data/xrouter/data).
set -euo pipefail
export XROUTER_VERL_DATA_DIR=${XROUTER_VERL_DATA_DIR:-/data/xrouter/data}
export XROUTER_VERL_PARQUET_DIR=${XROUTER_VERL_PARQUET_DIR:-/data/xrouter/verl}
export XROUTER_VERL_TOOL_CONFIG=${XROUTER_VERL_TOOL_CONFIG:-/app/infra/verl/config/tools.yaml}
export PYTHONPATH=/app/infra/verl${PYTHONPATH:+:$PYTHONPATH}
cd /app
python3.11 -m xrouter_verl.dataset --data-dir "$XROUTER_VERL_DATA_DIR" --out-dir "$XROUTER_VERL_PARQUET_DIR"
python3.11 -m verl.trainer.main_ppo --config-path=/app/infra/verl/config --config-name=dapo_xrouter \
    trainer.nnodes="${XROUTER_NNODES:-1}" trainer.n_gpus_per_node="${XROUTER_GPUS_PER_NODE:-8}" "$@"
