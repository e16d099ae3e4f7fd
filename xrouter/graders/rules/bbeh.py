r"""Grader ``bbeh``: the BBEH authors' answer extraction and fuzzy exact match, rule for rule.

Source: ``bbeh/evaluate.py`` of google-deepmind/bbeh @80d12ca (`evaluate_correctness`), reimplemented here.
Gold: ``item.gold == {"target": str}``.

Prediction, in this order:

1. strip the response; for each prefix in turn -- ``"The answer is:"``, ``"The final answer is "``,
   ``"The final answer is: "``, ``"The answer is "`` (case-sensitive) -- if it occurs in the current text,
   keep what follows its last occurrence, stripped (with no prefix at all, the whole response is the answer);
2. drop one trailing ``.``; then unwrap LaTeX: ``$...$``, then ``...boxed{X}``, ``...text{X}``,
   ``...texttt{X}`` when the text ends with ``}``;
3. lowercase, ``", "`` -> ``","``, remove ``**``, keep the first line, drop one more trailing ``.``.

Reference: strip, lowercase, ``", "`` -> ``","``. Its own trailing full stop is kept, while two are
dropped from the prediction: the 11 linguini targets that end in ``.`` (``He really cried.``) match only
an answer written with ``...`` at the end, never the target as given.

Match, first that holds: equal strings; a 3-character ``(x)`` on either side equal to the other side's
``x`` (this test decides alone when the prediction has that form); equal as floats (``25`` = ``25.0``);
equal with every ``'`` removed; one side equal to the other wrapped in ``[...]``; the prediction equal to
the reference plus a trailing ``?``.
"""

from __future__ import annotations

from xrouter.data.schema import BenchmarkItem
from xrouter.graders.base import Grade, register_grader

ANSWER_PREFIXES = ("The answer is:", "The final answer is ", "The final answer is: ", "The answer is ")


@register_grader("bbeh")
def grade_bbeh(response_text: str, item: BenchmarkItem) -> Grade:
    prediction, found_prefix = preprocess_response(response_text)
    matched = fuzzy_match(prediction, preprocess_reference(item.gold["target"]))
    where = "prefix" if found_prefix else "no answer prefix (whole response)"
    return Grade(1.0 if matched else 0.0, prediction, f"{where}: {'match' if matched else 'no match'}")


def extract_answer(response: str) -> tuple[str, bool]:
    """The text after the answer prefixes (step 1-2 of the module docstring) and whether one was found."""
    answer, found = response, False
    for prefix in ANSWER_PREFIXES:
        if prefix in answer:
            answer, found = answer.split(prefix)[-1].strip(), True
    answer = answer.removesuffix(".")
    return _strip_latex(answer), found


def _strip_latex(answer: str) -> str:
    if answer.startswith("$") and answer.endswith("$"):
        answer = answer[1:-1]
    for command in ("boxed{", "text{", "texttt{"):
        if command in answer and answer.endswith("}"):
            answer = answer[:-1].split(command)[1]
    return answer


def preprocess_response(response: str) -> tuple[str, bool]:
    """The normalised prediction (steps 1-3) and whether an answer prefix was found."""
    answer, found = extract_answer(response.strip())
    answer = answer.lower().replace(", ", ",").replace("**", "").split("\n")[0]
    return answer.removesuffix("."), found


def preprocess_reference(reference: str) -> str:
    return reference.strip().lower().replace(", ", ",")


def fuzzy_match(prediction: str, reference: str) -> bool:
    if prediction == reference:
        return True
    if len(prediction) == 3 and prediction[0] == "(" and prediction[-1] == ")":
        return prediction[1] == reference
    if len(reference) == 3 and reference[0] == "(" and reference[-1] == ")":
        return reference[1] == prediction
    try:
        if float(prediction) == float(reference):
            return True
    except ValueError:
        pass
    return (
        prediction.replace("'", "") == reference.replace("'", "")
        or f"[{reference}]" == prediction
        or f"[{prediction}]" == reference
        or (prediction.endswith("?") and prediction[:-1] == reference)
    )
