"""Serving speed: requests/s and the router's added latency under load, for the app under uvicorn and under
`bentoml serve`.

Each server runs in its own process on 127.0.0.1 and the load comes from another process (asyncio + aiohttp,
one connection per client, each client sending its next request as soon as the last one is answered). The
router serves in replay mode over recorded prompts, so no model is called: what is measured is the service
itself (parsing, routing policy, budget guard, ledger writes, metadata). The router's *added latency* is its
p50/p99 minus those of a do-nothing handler (same framework, same process model, same concurrency, a fixed
small chat.completion body) — what routing costs on top of serving any request at all.

Scenarios: `warm` (every prompt's embedding is cached before measuring) and `cold` (uvicorn only, 1 client:
each request a prompt the server has never seen, so its embedding is computed on the request path).

    python benchmarks/serve_load.py [--data data] [--router models/router] [--duration 8] [--clients 1 8 64]
                                    [--rounds 3] [--workers N] [--torch-threads N]

Each point is measured in `--rounds` rounds that alternate the do-nothing and the router handler (both
servers stay up), and reported as the median over rounds: this machine's speed drifts by tens of percent
over minutes, and alternating puts both handlers under the same drift. Prints one row per (server, handler,
clients) and the added latency per (server, clients); `--json PATH` writes the figures. Run on a quiet
machine: the figures are only as good as the CPU they get.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

REPO = Path(__file__).resolve().parents[1]
NOOP_BODY = {
    "id": "chatcmpl-noop", "object": "chat.completion", "created": 0, "model": "router-tool-rl",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}

# -- servers (each runs in its own process) ------------------------------------------------------------------


def noop_app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:  # reads the body like any handler would
        await request.body()
        return JSONResponse(NOOP_BODY)

    return app


def router_app(params_file: Path, warm: list[str]) -> Any:
    from xrouter.serve.app import create_app  # noqa: PLC0415
    from xrouter.serve.config import configure_process, load_serve_params  # noqa: PLC0415

    params = load_serve_params(params_file)
    configure_process(params)  # as the service's entry points do
    app = create_app(params)
    if warm:
        app.state.serve.engine.router.warm(warm)
    return app


def serve_uvicorn(kind: str, port: int, params_file: Path, warm_file: Path | None) -> None:
    import uvicorn  # noqa: PLC0415

    warm = json.loads(warm_file.read_text()) if warm_file else []
    app = noop_app() if kind == "noop" else router_app(params_file, warm)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


NOOP_SERVICE = '''
import bentoml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

BODY = {body!r}
app = FastAPI()


@app.post("/chat/completions")
async def chat(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(BODY)


@bentoml.asgi_app(app, path="/v1")
@bentoml.service(name="noop", workers={workers}, traffic={{"timeout": 120}})
class Noop:
    pass
'''


def bentoml_workers() -> int:
    """The router service's worker count (service.py), so the do-nothing service runs as many."""
    text = (REPO / "service.py").read_text()
    marker = "workers="
    i = text.find(marker)
    return int(text[i + len(marker):].split(",")[0].split(")")[0]) if i >= 0 else 1


def start_server(kind: str, server: str, port: int, params_file: Path, warm_file: Path | None,
                 workdir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "BENTOML_DO_NOT_TRACK": "true",
           "BENTOML_HOME": str(workdir / "bentoml"), "XROUTER_PARAMS": str(params_file)}
    log = open(workdir / f"{server}-{kind}.log", "w")  # noqa: SIM115 - closed with the process
    if server == "uvicorn":
        cmd = [sys.executable, __file__, "_serve", kind, str(port), str(params_file)] + (
            [str(warm_file)] if warm_file else [])
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    if kind == "noop":
        svc = workdir / "noop_service"
        svc.mkdir(exist_ok=True)
        (svc / "service.py").write_text(NOOP_SERVICE.format(body=NOOP_BODY, workers=bentoml_workers()))
        target, cwd = "service:Noop", svc
    else:
        target, cwd = "service:XRouter", REPO
    bentoml = Path(sys.executable).with_name("bentoml")
    cmd = [str(bentoml), "serve", target, "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(port: int, proc: subprocess.Popen, timeout_s: float = 600) -> None:
    import httpx  # noqa: PLC0415

    deadline = time.monotonic() + timeout_s
    body = {"model": "router-tool-rl", "messages": [{"role": "user", "content": "ping"}]}
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=30)
            if r.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server on port {port} not ready after {timeout_s:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- load (its own process) ----------------------------------------------------------------------------------


async def _load(url: str, prompts: list[str], clients: int, duration_s: float, warmup_s: float,
                once: bool) -> dict[str, Any]:
    import aiohttp  # noqa: PLC0415

    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = 0
    t0 = time.perf_counter()
    measure_from, stop_at = t0 + warmup_s, t0 + warmup_s + duration_s
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def client() -> None:
            nonlocal counter
            while True:
                if once:
                    if counter >= len(prompts):
                        return
                elif time.perf_counter() >= stop_at:
                    return
                text = prompts[counter % len(prompts)]
                counter += 1
                body = {"model": "router-tool-rl", "max_tokens": 1000,
                        "messages": [{"role": "user", "content": text}]}
                start = time.perf_counter()
                try:
                    async with session.post(url, json=body) as r:
                        await r.read()
                        status = r.status
                except aiohttp.ClientError as err:
                    status = type(err).__name__
                end = time.perf_counter()
                if status != 200:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                elif once or start >= measure_from:
                    latencies.append(end - start)

        t_start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = (time.perf_counter() - t_start) if once else duration_s
    lat = sorted(latencies)
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    return {"clients": clients, "requests": len(lat), "rps": len(lat) / elapsed if elapsed else 0.0,
            "p50_ms": q(0.50), "p99_ms": q(0.99), "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
            "errors": errors}


def run_load(port: int, prompts_file: Path, clients: int, duration_s: float, warmup_s: float,
             once: bool = False) -> dict[str, Any]:
    """The load generator in a separate process (its JSON on stdout)."""
    cmd = [sys.executable, __file__, "_load", str(port), str(prompts_file), str(clients), str(duration_s),
           str(warmup_s), "1" if once else "0"]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- orchestration -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_params(workdir: Path, data: Path, router: Path, overrides: dict[str, Any]) -> Path:
    """A copy of params.yaml whose `serve:` block replays recorded answers from `data` with `router`, keeps
    its ledger in `workdir`, and takes `overrides` (e.g. workers, torch_threads)."""
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["serve"].update({"source": "replay", "data": str(data.resolve()), "router": str(router.resolve()),
                         "ledger_url": f"sqlite:///{workdir / 'ledger.db'}", "max_pending": 256, **overrides})
    path = workdir / "params.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def recorded_prompts(data: Path, router: Path, n: int) -> list[str]:
    """`n` recorded prompts every model of the router's pool answered (replay serves them all)."""
    from xrouter.data.world import ReplayWorld  # noqa: PLC0415

    card = json.loads((router / "router.json").read_text())
    world = ReplayWorld.from_data_dir(data)
    counts = world.outcomes[world.outcomes["model"].isin(card["models"])].groupby("prompt_id")["model"].nunique()
    full = set(counts[counts == len(card["models"])].index)
    prompts = world.prompts[world.prompts["prompt_id"].isin(full)].sort_values("prompt_id")
    texts = [str(q) for q in prompts["question"]]
    return list(dict.fromkeys(texts))[:n]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="serve_load_"))
    overrides = {k: v for k, v in (("workers", args.workers), ("torch_threads", args.torch_threads)) if v is not None}
    params_file = write_params(workdir, args.data, args.router, overrides)
    from xrouter.serve.config import load_serve_params  # noqa: PLC0415

    serve = load_serve_params(params_file)
    prompts = recorded_prompts(args.data, args.router, args.prompts + args.cold)
    warm, cold = prompts[: args.prompts], prompts[args.prompts:]
    (workdir / "warm.json").write_text(json.dumps(warm))
    (workdir / "cold.json").write_text(json.dumps(cold))
    rows: list[dict[str, Any]] = []
    for server in args.servers:
        # both handlers up at once; each point is measured in rounds alternating noop and router, so a change
        # in the machine's speed hits both (the figures are medians over rounds)
        ports = {kind: free_port() for kind in ("noop", "router")}
        # uvicorn: embeddings warmed in-process before serving; bentoml: a warm-up pass per worker
        procs = {kind: start_server(kind, server, ports[kind], params_file,
                                    workdir / "warm.json" if (server == "uvicorn" and kind == "router") else None,
                                    workdir) for kind in ports}
        try:
            for kind, proc in procs.items():
                wait_ready(ports[kind], proc)
            if server == "bentoml":
                for _ in range(3):  # requests spread over the workers: each sees every prompt
                    run_load(ports["router"], workdir / "warm.json", 8, 0, 0, once=True)
            for clients in args.clients:
                for rnd in range(args.rounds):
                    for kind in ("noop", "router"):
                        r = run_load(ports[kind], workdir / "warm.json", clients, args.duration, args.warmup)
                        rows.append({"server": server, "handler": kind, "scenario": "warm", "round": rnd, **r})
                        print(json.dumps(rows[-1]), flush=True)
        finally:
            for proc in procs.values():
                stop_server(proc)
    if "uvicorn" in args.servers and cold:
        port = free_port()
        # one other prompt warmed: the embedding model is loaded, the measured prompts' embeddings are not cached
        (workdir / "load_model.json").write_text(json.dumps(warm[:1]))
        proc = start_server("router", "uvicorn", port, params_file, workdir / "load_model.json", workdir)
        try:
            wait_ready(port, proc)
            r = run_load(port, workdir / "cold.json", 1, 0, 0, once=True)
            rows.append({"server": "uvicorn", "handler": "router", "scenario": "cold", "round": 0, **r})
            print(json.dumps(rows[-1]), flush=True)
        finally:
            stop_server(proc)
    return {"rows": rows, "points": medians(rows), "added": added_latency(rows), "prompts": len(warm),
            "cold_prompts": len(cold), "duration_s": args.duration, "rounds": args.rounds, "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(), "workers": serve.episode_threads, "torch_threads": serve.torch_threads}


def _point(r: dict[str, Any]) -> tuple:
    return r["server"], r["handler"], r["scenario"], r["clients"]


def medians(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (server, handler, scenario, clients): the median over rounds of req/s, p50 and p99."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(_point(r), []).append(r)
    return [{"server": k[0], "handler": k[1], "scenario": k[2], "clients": k[3], "rounds": len(g),
             **{m: statistics.median(x[m] for x in g) for m in ("rps", "p50_ms", "p99_ms")},
             "errors": sum(sum(x["errors"].values()) for x in g)} for k, g in groups.items()]


def added_latency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The router's figures against the do-nothing handler's of the same server, clients and round (the
    cold scenario against round 0's warm noop): medians over rounds."""
    noop = {(r["server"], r["clients"], r["round"]): r for r in rows if r["handler"] == "noop"}
    pairs: dict[tuple, list[tuple[dict, dict]]] = {}
    for r in rows:
        base = noop.get((r["server"], r["clients"], r["round"]))
        if r["handler"] == "router" and base is not None:
            pairs.setdefault((r["server"], r["scenario"], r["clients"]), []).append((r, base))
    med = statistics.median
    return [{"server": k[0], "scenario": k[1], "clients": k[2], "rounds": len(p),
             "router_rps": med(r["rps"] for r, _ in p), "noop_rps": med(b["rps"] for _, b in p),
             "rps_vs_noop": med(r["rps"] / b["rps"] for r, b in p),
             "added_p50_ms": med(r["p50_ms"] - b["p50_ms"] for r, b in p),
             "added_p99_ms": med(r["p99_ms"] - b["p99_ms"] for r, b in p)} for k, p in pairs.items()]


def print_report(result: dict[str, Any]) -> None:
    print(f"\nserve load: {result['prompts']} recorded prompts (warm), {result['duration_s']} s per point, "
          f"medians of {result['rounds']} rounds, {result['cpus']} CPUs, load average at the end "
          f"{result['load_avg'][0]:.1f}, serve.workers={result['workers']}, "
          f"serve.torch_threads={result['torch_threads']}")
    print(f"{'server':8} {'handler':7} {'scenario':8} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} errors")
    for r in result["points"]:
        print(f"{r['server']:8} {r['handler']:7} {r['scenario']:8} {r['clients']:>7} {r['rps']:>8.1f} "
              f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors'] or ''}")
    print(f"\n{'server':8} {'scenario':8} {'clients':>7} {'router req/s':>12} {'vs noop':>8} {'added p50 ms':>12} "
          f"{'added p99 ms':>12}")
    for a in result["added"]:
        print(f"{a['server']:8} {a['scenario']:8} {a['clients']:>7} {a['router_rps']:>12.1f} {a['rps_vs_noop']:>8.3f} "
              f"{a['added_p50_ms']:>12.2f} {a['added_p99_ms']:>12.2f}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_serve":
        kind, port, params_file = argv[1], int(argv[2]), Path(argv[3])
        serve_uvicorn(kind, port, params_file, Path(argv[4]) if len(argv) > 4 else None)
        return
    if argv and argv[0] == "_load":
        port, prompts_file, clients, duration, warmup, once = argv[1:7]
        prompts = json.loads(Path(prompts_file).read_text())
        print(json.dumps(asyncio.run(_load(f"http://127.0.0.1:{port}/v1/chat/completions", prompts, int(clients),
                                           float(duration), float(warmup), once == "1"))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO / "data")
    ap.add_argument("--router", type=Path, default=REPO / "models" / "router")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8, 64])
    ap.add_argument("--servers", nargs="+", choices=["uvicorn", "bentoml"], default=["uvicorn", "bentoml"])
    ap.add_argument("--duration", type=float, default=8.0, help="seconds measured per point")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring each point")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per point, alternating noop and router")
    ap.add_argument("--prompts", type=int, default=200, help="recorded prompts cycled through (warm)")
    ap.add_argument("--cold", type=int, default=50, help="never-seen prompts for the cold scenario")
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="serve.torch_threads of the servers (default: params.yaml's, as `make serve` runs)")
    ap.add_argument("--workers", type=int, default=None,
                    help="serve.workers, episode threads per process (default: params.yaml's; null: by source)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    result = measure(args)
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
