r"""Grader ``multiple_choice`` (GPQA-Diamond): the letter the response chose against the gold letter.

Gold: ``item.gold == {"letter": "D", "options": [text_A, ...]}``; the options only fix which letters exist
(A-D for four options). The letter is read by the first rule that finds a valid one:

- ``explicit``: the last of these in the text, whichever comes latest: a line-style ``Answer: X`` (also
  ``Final answer:``, markdown bold, ``(X)``, ``X)``), "the (correct/final) answer is (X)", and a
  ``\boxed{X}`` (``\boxed{\text{X}}``, ``\boxed{(X)}``);
- ``last_letter``: the last standalone valid capital letter, skipping an ``A`` used as an article
  ("A large ...");
- ``none``: no letter found, score 0.

Only capital letters count as choices ("the answer is a trick" reads no letter). The words around them
are matched case-insensitively.
"""

from __future__ import annotations

import re
import string

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader
from xrouter.graders.rules.extract import boxed_contents

_LETTER = r"[\s*_]*[\(\[]?([A-Z])[\)\]]?(?![\w'’])"
_EXPLICIT = re.compile(
    rf"(?i:\banswer)[\s*_]*[:：]{_LETTER}"  # Answer: X
    rf"|(?i:\banswer\s+is)[\s*_]*:?{_LETTER}"  # the answer is (X)
)
_BOXED_LETTER = re.compile(r"^(?:\\text\{|\\mathrm\{|\\textbf\{)?\s*\(?([A-Z])\)?\s*\}?$")
_STANDALONE = re.compile(r"(?<![\w'’\\])([A-Z])(?![\w'’])")
_ARTICLE_AFTER = re.compile(r"\s+[a-z]")


@register_grader("multiple_choice")
def grade_multiple_choice(response_text: str, item: BenchmarkItem) -> Grade:
    letters = string.ascii_uppercase[: len(item.gold["options"])]
    letter, rule = extract_choice(response_text, letters)
    if letter is None:
        return Grade(0.0, None, "no choice letter found")
    matched = letter == item.gold["letter"]
    return Grade(1.0 if matched else 0.0, letter, f"{rule}: {'match' if matched else 'no match'}")


def extract_choice(text: str, letters: str = "ABCD") -> tuple[str | None, str]:
    """The chosen letter (one of ``letters``) and the rule that found it (see the module docstring)."""
    found: list[tuple[int, str]] = [
        (m.start(), m.group(1) or m.group(2))
        for m in _EXPLICIT.finditer(text)
        if (m.group(1) or m.group(2)) in letters
    ]
    for match in re.finditer(r"\\(?:boxed|fbox)", text):
        boxed = boxed_contents(text[match.start() :])
        if boxed and (letter := _BOXED_LETTER.match(boxed[0])) and letter.group(1) in letters:
            found.append((match.start(), letter.group(1)))
    if found:
        return max(found)[1], "explicit"
    for match in reversed(list(_STANDALONE.finditer(text))):
        letter = match.group(1)
        if letter in letters and not (letter == "A" and _ARTICLE_AFTER.match(text, match.end())):
            return letter, "last_letter"
    return None, "none"
