"""Paths and readers for the shared data bundle's layout; every reader names the file it failed on."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class BundleError(ValueError):
    """The bundle lacks a file, or a file lacks a field; the message names both."""


ZEROEVAL_OUTCOMES = "outcomes/zeroeval/zeroeval_outcomes.csv.gz"
ZEROEVAL_PROMPTS = "outcomes/zeroeval/zeroeval_prompts.jsonl.gz"
ZEROEVAL_RESPONSES = "outcomes/zeroeval/zeroeval_responses.jsonl.gz"
LLMROUTER_TRAIN = "outcomes/llmrouter/train.json"
LLMROUTER_MODELS = "outcomes/llmrouter/default_llm.json"
ROUTERARENA_COST = "prices/routerarena/cost.json"


def bundle_file(bundle: Path, relative: str) -> Path:
    path = Path(bundle) / relative
    if not path.is_file():
        raise BundleError(f"{path}: missing from the bundle (expected layout: {relative})")
    return path


# what a truncated or corrupt file raises while it is read (a cut gzip stream ends in EOFError)
_CORRUPT = (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError, csv.Error)


def _open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


@contextlib.contextmanager
def _reading(path: Path):
    """Open `path` as text; a truncated or corrupt file becomes a BundleError naming the file and the fault."""
    try:
        with _open_text(path) as fh:
            yield fh
    except _CORRUPT as err:
        raise BundleError(f"{path}: truncated or corrupt ({type(err).__name__}: {err or 'unexpected end'}); "
                          "replace it with a complete copy") from err


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with _reading(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise BundleError(f"{path}:{lineno}: not valid JSON: {err}") from err


def iter_csv(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    with _reading(path) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise BundleError(f"{path}: missing column(s) {missing}")
        yield from reader


def read_json(path: Path) -> Any:
    try:
        with _reading(path) as fh:
            return json.load(fh)
    except json.JSONDecodeError as err:
        raise BundleError(f"{path}: not valid JSON: {err}") from err


def require(record: dict[str, Any], field: str, where: str) -> Any:
    """record[field], or a BundleError naming the file/line and the field."""
    if field not in record:
        raise BundleError(f"{where}: missing field '{field}'")
    return record[field]
