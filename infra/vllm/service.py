"""The LLM router served by vLLM on a GPU, as a BentoML service: BentoML starts `vllm serve` through the
service's `__command__` (the pattern bentoml/BentoVLLM uses) and proxies every request to it, so clients —
xrouter's `EndpointRouter` — see vLLM's OpenAI-compatible API at the service's address.

    bentoml serve infra/vllm --arg model=/models/llm_router/model --arg family=smollm2
    bentoml build infra/vllm --arg model=Qwen/Qwen2.5-7B-Instruct     # family from the name: qwen2.5

The flags per model family are in `vllm_flags.py` (read by the tests on CPU). The image is CUDA-only.
"""

from __future__ import annotations

import bentoml
import pydantic
from vllm_flags import ENDPOINT_MODE, family_of, vllm_command

VLLM_PORT = 8000  # where vllm listens inside the service; BentoML's proxy forwards to it


class RouterModelArgs(pydantic.BaseModel):
    model: str = "Qwen/Qwen2.5-7B-Instruct"  # a Hugging Face id, or a folder in the image (an LLM router's model/)
    family: str | None = None  # qwen2.5 | smollm2; None = from the model's name
    served_name: str = "xrouter-router"
    max_model_len: int = 8192
    gpu_type: str = "nvidia-l4"
    vllm_version: str = "0.31.0"  # the version of infra/gpu/requirements.in

    def command(self) -> list[str]:
        return vllm_command(self.model, family=self.family, served_name=self.served_name, port=VLLM_PORT,
                            max_model_len=self.max_model_len)


args = bentoml.use_arguments(RouterModelArgs)
family = args.family or family_of(args.model)


@bentoml.service(
    name="xrouter-router-vllm",
    image=bentoml.images.Image(python_version="3.11").python_packages(f"vllm=={args.vllm_version}"),
    resources={"gpu": 1, "gpu_type": args.gpu_type},
    endpoints={"livez": "/health", "readyz": "/health"},  # vLLM's health route, checked through the proxy
    http={"proxy_port": VLLM_PORT},
    traffic={"timeout": 300},
    labels={"openai_endpoint": "/v1", "model_family": family, "endpoint_mode": ENDPOINT_MODE[family]},
)
class RouterVLLM:
    def __command__(self) -> list[str]:
        return args.command()
