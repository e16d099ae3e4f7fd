r"""Find the final answer in a model's response, shared by the answer-based graders.

Rules, tried in this order; the first that finds something wins and is reported by name:

- ``boxed``: the last ``\boxed{...}`` or ``\fbox{...}`` (nested braces; ``\{``/``\}`` are literal), or ``\boxed 5``;
- ``json``: the last ``"answer": "..."`` (or a bare number) field of a JSON object;
- ``hashes``: the rest of the line after the last ``####`` (GSM8K style);
- ``answer_is``: the last "the (final) answer is X", up to the end of its sentence;
- ``answer_colon``: the last line "Answer: X" (also "Final answer:", markdown bold allowed);
- ``last_number``: the last number in the text (``1,000``, ``-3.5``, ``3/4``);
- ``none``: nothing found.

The text rules (all but ``boxed``) drop trailing words after a leading number ("18 apples" -> "18"). Every
rule strips math delimiters, markdown emphasis and a trailing full stop.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_BOX_START = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BOX_BARE = re.compile(r"\\boxed\s+([^\s${}]+)")
_JSON_ANSWER = re.compile(r'"answer"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d[\d,]*(?:\.\d+)?)')
_HASHES = re.compile(r"####\s*([^\n]+)")
_ANSWER_IS = re.compile(r"\b(?:final\s+)?answer\s+is\s*:?\s*([^\n]+)", re.IGNORECASE)
_ANSWER_COLON = re.compile(
    r"^[\s*#>_]*(?:final\s+)?answer\s*[*_]*\s*:[\s*_]*([^\n]+)$", re.IGNORECASE | re.MULTILINE
)
_NUMBER = re.compile(r"[-−]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:/\d+)?")
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_NUMBER_THEN_WORDS = re.compile(r"^((?:\\?\$)?\s*[-−]?\d[\d,]*(?:\.\d+)?\s*\\?%?)\s+[A-Za-z][A-Za-z\s.]*$")
_WRAPPERS = (("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ("**", "**"), ("*", "*"), ("`", "`"), ("_", "_"))


@dataclass(frozen=True)
class Extraction:
    """The answer text found (None when none) and the name of the rule that found it."""

    answer: str | None
    rule: str


def boxed_contents(text: str) -> list[str]:
    r"""The contents of every complete ``\boxed{...}``/``\fbox{...}`` in order of their start."""
    found: list[tuple[int, str]] = []
    for match in _BOX_START.finditer(text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            if text[i] == "\\":
                i += 2  # an escaped character (\{, \}, \\) never opens or closes a group
                continue
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            found.append((match.start(), text[match.end() : i - 1]))
    found += [(m.start(), m.group(1)) for m in _BOX_BARE.finditer(text)]
    return [content.strip() for _, content in sorted(found)]


def extract_answer(text: str) -> Extraction:
    """The final answer of ``text`` by the first rule (see the module docstring) that finds one."""
    boxed = [b for b in boxed_contents(text) if b]
    if boxed:
        return Extraction(clean_answer(boxed[-1]), "boxed")
    if matches := _JSON_ANSWER.findall(text):
        return Extraction(_plain_text_answer(_json_value(matches[-1])), "json")
    for rule, pattern in (("hashes", _HASHES), ("answer_is", _ANSWER_IS), ("answer_colon", _ANSWER_COLON)):
        if matches := pattern.findall(text):
            answer = matches[-1]
            if rule == "answer_is" and (end := _SENTENCE_END.search(answer)):
                answer = answer[: end.start()]
            if cleaned := _plain_text_answer(answer):
                return Extraction(cleaned, rule)
    if numbers := _NUMBER.findall(text):
        return Extraction(numbers[-1], "last_number")
    return Extraction(None, "none")


def clean_answer(answer: str) -> str:
    """Strip whitespace, enclosing math delimiters / markdown emphasis, and a trailing full stop or comma."""
    answer = answer.strip()
    changed = True
    while changed:
        changed = False
        for left, right in _WRAPPERS:
            if len(answer) > len(left) + len(right) and answer.startswith(left) and answer.endswith(right):
                answer, changed = answer[len(left) : -len(right)].strip(), True
        if answer.endswith((".", ",")) and not answer.endswith(("\\.", "\\,")):
            answer, changed = answer[:-1].rstrip(), True
    return answer


def _plain_text_answer(answer: str) -> str:
    answer = clean_answer(answer)
    if match := _NUMBER_THEN_WORDS.match(answer):
        answer = match.group(1).strip()
    return answer


def _json_value(raw: str) -> str:
    if not raw.startswith('"'):
        return raw
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:  # LaTeX backslashes that are not JSON escapes: "\sqrt{2}"
        return raw[1:-1]
    # LaTeX written unescaped whose backslashes happen to be JSON escapes: "\frac" -> form feed + "rac"
    return raw[1:-1] if any(c in value for c in "\b\f\n\r\t") else value
