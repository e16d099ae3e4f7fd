"""The ``ifeval`` / ``ifbench`` graders on hand-written responses: strict and loose, one rule per test.

Instructions whose items have no gold response (see `references_text.if_left_out`) are covered here by a
passing and a failing response each.
"""

from __future__ import annotations

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules.instructions import check_instructions, unavailable_instructions
from xrouter.graders.rules.instructions_nltk import RESOURCE_OF_INSTRUCTION, missing_resources


def item(benchmark: str, *instructions: tuple[str, dict], prompt: str = "Write something.") -> BenchmarkItem:
    ids = [i for i, _ in instructions]
    gold = {"prompt": prompt, "instruction_id_list": ids, "kwargs": [kw for _, kw in instructions]}
    return BenchmarkItem(
        f"{benchmark}/t",
        benchmark,
        "",
        "instruction_following",
        [{"role": "user", "content": prompt}],
        gold,
        benchmark,
        {},
    )


IFEVAL = [  # (instruction, kwargs, a response that follows it, one that does not)
    ("punctuation:no_comma", {}, "No commas here.", "One, two."),
    ("startend:quotation", {}, '"All quoted."', "Not quoted."),
    ("detectable_format:title", {}, "<<My Title>>\nText.", "<<>> empty title"),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', "{'a': 1}"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n* two", "* one\n* two\n- three"),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": 2},
        "*one* and **two**",
        "*one* only",
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "SECTION", "num_sections": 2},
        "SECTION 1\na\nSECTION 2\nb",
        "SECTION 1\na",
    ),
    ("detectable_format:constrained_response", {}, "My answer is maybe.", "Maybe."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] at [place]", "[name] only"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP.P.S more", "Hi.\nP.S. more"),
    ("combination:two_responses", {}, "First.\n******\nSecond.", "Same.\n******\nSame."),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi."}, "say hi. Hi!", "Hi! Say hi."),
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        "Done. Any other questions?",
        "Any other questions? Done.",
    ),
    ("change_case:english_lowercase", {}, "this is all lower case english text.", "This is not."),
    ("change_case:english_capital", {}, "THIS IS ALL UPPER CASE ENGLISH TEXT.", "THIS IS not."),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "TWO WORDS in capitals",
        "ONE word",
    ),
    ("keywords:existence", {"keywords": ["apple"]}, "An Apple.", "A pear."),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}, "one cat", "cat cat"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "badge is fine", "that is bad"),
    (
        "keywords:letter_frequency",
        {"letter": "#", "let_frequency": 2, "let_relation": "at least"},
        "#a #b",
        "#a",
    ),  # a non-letter is counted, not swapped for a random letter
    (
        "language:response_language",
        {"language": "de"},
        "Heute ist das Wetter sehr schön und wir gehen im Park spazieren.",
        "Today the weather is nice.",
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 2, "relation": "less than"},
        "Dr. Smith left.",
        "One. Two.",
    ),  # Punkt: "Dr." does not end a sentence
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n***\nb", "a\n***\n\n***\nb"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "one two three", "one two"),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        'First.\n\n"Then, more.',
        "First.\n\nNext.",
    ),
]


@pytest.mark.parametrize(("instruction", "kwargs", "passing", "failing"), IFEVAL, ids=[c[0] for c in IFEVAL])
def test_ifeval_checker(instruction, kwargs, passing, failing):
    one = item("ifeval", (instruction, kwargs))
    assert grade(passing, one).score == 1.0, grade(passing, one).reason
    assert grade(failing, one).score == 0.0


IFBENCH = [
    ("words:start_verb", {}, "Consider the facts.", "The facts matter."),
    (
        "ratio:stop_words",
        {"percentage": 30},
        "Quiet parks welcome tired workers.",
        "It is the one that I want.",
    ),
    ("format:options", {"options": "I know or I don't know"}, "I know", "I\nknow"),
    ("format:newline", {}, "one\nword\nper\nline", "two words"),
    ("repeat:repeat_span", {"prompt_to_repeat": "a b c d e f", "n_start": 0, "n_end": 3}, "a b c", "b c d"),
    ("count:person_names", {"N": 2}, "Emma met Liam.", "Emma met Bob."),
]


@pytest.mark.parametrize(
    ("instruction", "kwargs", "passing", "failing"), IFBENCH, ids=[c[0] for c in IFBENCH]
)
def test_ifbench_checker(instruction, kwargs, passing, failing):
    one = item("ifbench", (instruction, kwargs))
    if instruction in unavailable_instructions("ifbench"):
        pytest.skip(f"nltk {RESOURCE_OF_INSTRUCTION[instruction]} not installed: unverified offline")
    assert check_instructions(passing, one.gold, "ifbench")[instruction][0], grade(passing, one).reason
    assert grade(failing, one).score == 0.0


def test_strict_needs_every_instruction_and_reason_lists_failures():
    two = item("ifeval", ("punctuation:no_comma", {}), ("keywords:existence", {"keywords": ["moon"]}))
    assert grade("The moon rose.", two).score == 1.0
    result = grade("The sun, rose.", two)
    assert result.score == 0.0
    assert result.reason == "strict 0/2, loose 0/2; failed: punctuation:no_comma, keywords:existence"


def test_loose_drops_first_and_last_lines_and_asterisks():
    quoted = item("ifeval", ("startend:quotation", {}))
    result = grade('Sure, here it is:\n"All quoted."', quoted)
    assert (result.score, result.reason) == (0.0, "strict 0/1, loose 1/1; failed: startend:quotation")


def test_unverifiable_instructions_are_named_and_left_out_of_the_score():
    if not missing_resources():
        pytest.skip("the NLTK stopwords corpus and POS tagger are installed here")
    mixed = item("ifbench", ("words:start_verb", {}), ("count:person_names", {"N": 1}))
    result = grade("Emma smiles.", mixed)
    assert result.score == 1.0
    assert (
        "unverified: words:start_verb (nltk taggers/averaged_perceptron_tagger_eng not installed)"
        in result.reason
    )
    assert grade("Anything.", item("ifbench", ("ratio:stop_words", {"percentage": 50}))).score == 0.0


def test_unknown_instruction_and_bad_kwargs_do_not_raise():
    odd = item("ifeval", ("keywords:nonexistent", {}), ("keywords:frequency", {"relation": "about"}))
    result = grade("text", odd)
    assert result.score == 0.0
    assert "keywords:nonexistent (unknown instruction)" in result.reason
    assert "keywords:frequency (kwargs rejected (ValueError))" in result.reason


@pytest.mark.parametrize("response", ["", "   ", "\n\n", "x" * 100_000, "*" * 50, "\u0000"])
def test_odd_responses_score_zero_without_raising(response):
    alphabet = item("ifbench", ("custom:sentence_alphabet", {}), ("sentence:increment", {"small_n": 2}))
    assert grade(response, alphabet).score == 0.0


def test_grading_is_deterministic_and_offline(monkeypatch):
    import nltk

    def no_network(*args, **kwargs):
        raise AssertionError("nltk.download called while grading")

    monkeypatch.setattr(nltk, "download", no_network)
    language = item("ifeval", ("language:response_language", {"language": "ru"}))
    text = "Сегодня очень хорошая погода и мы идём гулять в парк."
    assert {grade(text, language) for _ in range(5)} == {grade(text, language)}
    sentences = item(
        "ifeval", ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"})
    )
    assert grade("One here. Two here.", sentences).score == 1.0
