"""Build the xrouter bento (`bentofile.yaml`) from a project folder and find or import it for serving.

`build(root)` checks that the folder holds what the bento packs (the trained router, the prepared tables,
params.yaml), runs BentoML's build with `root` as the build context, and exports the bento as one archive
(`<out>/xrouter.bento`, a DVC output) next to `<out>/bento.json` (its tag). The bento store is
`$BENTOML_HOME` (default ~/bentoml); `ensure_in_store(out)` imports the archive when the store lacks the tag
(a fresh machine after `dvc pull`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

PACKED_TABLES = ("prompts", "outcomes", "responses", "prices")


def missing_inputs(root: Path) -> list[str]:
    need = [root / "bentofile.yaml", root / "service.py", root / "params.yaml", root / "models/router/router.json"]
    need += [root / "data" / f"{t}.parquet" for t in PACKED_TABLES]
    return [str(p) for p in need if not p.is_file()]


def build(root: Path, out: Path) -> str:
    """Build the bento from project folder `root`; write `out/bento.json` and `out/xrouter.bento`; its tag."""
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    import bentoml  # noqa: PLC0415

    missing = missing_inputs(root)
    if missing:
        raise FileNotFoundError(f"cannot package the service, missing: {missing} (run `dvc repro` first)")
    bento = bentoml.bentos.build_bentofile(str(root / "bentofile.yaml"), build_ctx=str(root))
    out.mkdir(parents=True, exist_ok=True)
    archive = out / "xrouter.bento"
    archive.unlink(missing_ok=True)
    bentoml.bentos.export_bento(bento.tag, str(archive))
    info = {"tag": str(bento.tag), "archive": archive.name, "dockerfile": "env/docker/Dockerfile",
            "containerize": f"bentoml containerize {bento.tag}"}
    (out / "bento.json").write_text(json.dumps(info, indent=2) + "\n")
    return str(bento.tag)


def ensure_in_store(out: Path) -> str:
    """The tag of the packaged bento, imported into the store from `out/xrouter.bento` if it is not there."""
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    import bentoml  # noqa: PLC0415
    from bentoml.exceptions import NotFound  # noqa: PLC0415

    info = json.loads((out / "bento.json").read_text())
    try:
        bentoml.bentos.get(info["tag"])
    except NotFound:
        bentoml.bentos.import_bento(str(out / info["archive"]))
    return info["tag"]


def main(argv: list[str] | None = None) -> None:
    """`python -m xrouter.serve.bento tag <out>`: print the packaged bento's tag (importing it if needed)."""
    import sys  # noqa: PLC0415

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "tag":
        raise SystemExit("usage: python -m xrouter.serve.bento tag <package output folder>")
    print(ensure_in_store(Path(args[1])))


if __name__ == "__main__":
    main()
