"""Responses built to follow (or to break) each IFBench instruction, for proving the ``ifbench`` grader.

`IFBENCH_GOLD` maps an instruction id to a builder ``(kwargs, amount) -> text`` that follows it by
construction; ``amount`` (1, 2, ...) sizes the free parts (filler words, list items) so that a caller can grow
them until range constraints hold. Items with two instructions use `_combined` when one text must
satisfy both at once, else the two texts joined by a space when neither disturbs the other.
`IFBENCH_WRONG` maps an instruction id to a text that breaks it.

The data the checkers hold (the name list of ``count:person_names``, the capital order of
``custom:european_capitals_sort``) is read from the checker objects, not restated here.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable
from typing import Any

Builder = Callable[[dict[str, Any], int], str]

_AFRICA = [
    "Algeria",
    "Angola",
    "Benin",
    "Botswana",
    "Burkina Faso",
    "Burundi",
    "Cameroon",
    "Cape Verde",
    "Central African Republic",
    "Chad",
    "Comoros",
    "Democratic Republic of the Congo",
    "Djibouti",
    "Egypt",
    "Equatorial Guinea",
    "Eritrea",
    "Eswatini",
    "Ethiopia",
    "Gabon",
    "Gambia",
    "Ghana",
    "Guinea",
    "Guinea-Bissau",
    "Ivory Coast",
    "Kenya",
    "Lesotho",
    "Liberia",
    "Libya",
    "Madagascar",
    "Malawi",
    "Mali",
    "Mauritania",
    "Mauritius",
    "Morocco",
    "Mozambique",
    "Namibia",
    "Niger",
    "Nigeria",
    "Republic of the Congo",
    "Rwanda",
    "Sao Tome and Principe",
    "Senegal",
    "Seychelles",
    "Sierra Leone",
    "Somalia",
    "South Africa",
    "South Sudan",
    "Sudan",
    "Tanzania",
    "Togo",
    "Tunisia",
    "Uganda",
    "Zambia",
    "Zimbabwe",
]


_SPECIAL = '"Acme & Co"'  # a quoted field with a special character (custom:csv_special_character)


def _filler(words: int, start: int = 0) -> str:
    pool = [
        "many",
        "small",
        "towns",
        "keep",
        "quiet",
        "parks",
        "where",
        "people",
        "meet",
        "after",
        "work",
        "during",
        "long",
        "summer",
        "evenings",
    ]
    return " ".join(pool[(start + i) % len(pool)] for i in range(words))


def _unique_words(count: int) -> str:
    letters = string.ascii_lowercase
    return " ".join(f"w{letters[i // 26 % 26]}{letters[i % 26]}" for i in range(count))


def _sentences_with_keyword(keyword: str, position: int, total: int) -> list[str]:
    return [
        f"Here is sentence {'with ' + keyword if n == position else 'number'} {n}."
        for n in range(1, total + 1)
    ]


def _person_names(checker: Any, count: int) -> str:
    names = checker.build_description(N=count).split("person names: ")[1].rstrip(" .").split(", ")
    return "We met " + " and ".join(names[:count]) + "."


def _capitals(checker: Any) -> str:
    checker.build_description()
    order = next(
        c for c in checker.check_following.__code__.co_consts if isinstance(c, tuple) and len(c) > 10
    )
    return ", ".join(order)


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


@functools.lru_cache(maxsize=64)
def _tuned_overlap(
    reference: str, percentage: int, base: str, quoted: tuple[str, ...], novel: tuple[str, ...]
) -> str:
    """``base``, some ``novel`` words and the first pieces of ``quoted``, mixed to come nearest the target.

    The share of the text's character trigrams found in the reference (what ``ratio:overlap`` measures)
    grows with the quoted pieces: for each amount of novel words, a bisection finds the quoted amount.
    """
    reference_grams, target = _trigrams(reference), percentage / 100
    best, best_gap = base, 1.0
    for extra in range(len(novel) + 1):
        low, high = 0, len(quoted)
        while low <= high:
            used = (low + high) // 2
            text = " ".join(part for part in (base, *novel[:extra], *quoted[:used]) if part)
            grams = _trigrams(text)
            share = len(grams & reference_grams) / max(1, len(grams))
            if abs(share - target) < best_gap:
                best, best_gap = text, abs(share - target)
            low, high = (used + 1, high) if share < target else (low, used - 1)
        if best_gap < 0.005:
            break
    return best


def _overlap(kw: dict[str, Any], base: str = "") -> str:
    reference = kw["reference_text"]
    novel = [f"qz{c}{d}" for c in "bcdfghjklm" for d in "bcdfghjklm"]
    return _tuned_overlap(reference, kw["percentage"], base, tuple(reference.split(" ")), tuple(novel))


def _cluster_overlap(kw: dict[str, Any]) -> str:
    """Words of the reference that hold a consonant cluster, and novel cluster words, every word a cluster."""
    consonants = set("bcdfghjklmnpqrstvwxyz")
    words = [
        w
        for w in kw["reference_text"].split()
        if any(w[i].lower() in consonants and w[i + 1].lower() in consonants for i in range(len(w) - 1))
    ]
    novel = [f"qz{c}{d}" for c in "bcdfghjklm" for d in "bcdfghjklm"]
    return _tuned_overlap(kw["reference_text"], kw["percentage"], "", tuple(words), tuple(novel))


def _increment(step: int, sentences: int = 3, first: int = 3) -> str:
    return " ".join(_filler(first + n * step, n).capitalize() + "." for n in range(sentences))


def _thesis_increment(step: int) -> str:
    """Three sentences growing by ``step`` words, the first in italics (``</i>`` counts as a word)."""
    first, second, third = (_filler(3 + n * step, n).capitalize() + "." for n in range(3))
    return f"<i>{first}</i> {second.split(' ', 1)[1].capitalize()} {third}"


IFBENCH_GOLD: dict[str, Builder] = {
    "count:conjunctions": lambda kw, a: (
        "Tea and cake but not soup for me nor you or them so we wait yet smile."
    ),
    "count:keywords_multiple": lambda kw, a: " ".join(
        f"{kw[f'keyword{n}']} xx" for n, times in zip(range(1, 6), (1, 2, 3, 5, 7)) for _ in range(times)
    ),
    "count:numbers": lambda kw, a: " ".join(str(n) for n in range(1, kw["N"] + 1)) + " " + _filler(a),
    "count:pronouns": lambda kw, a: " ".join(["he she it they we"] * (kw["N"] // 5 + 1)),
    "count:punctuation": lambda kw, a: "Really?! Yes, indeed; here: done. Why? Wow!",
    "count:unique_word_count": lambda kw, a: _unique_words(kw["N"] + a),
    "count:word_count_range": lambda kw, a: _filler(kw["min_words"] + a - 1),
    "count:words_japanese": lambda kw, a: " ".join(
        "日本" if n % kw["N"] == 0 else "word" for n in range(1, 3 * kw["N"] + 1)
    ),
    "custom:character_reverse": lambda kw, a: "Elgae dlab.",
    "custom:csv_city": lambda kw, a: (
        "ID,Country,City,Year,Count\n"
        + "\n".join(f"{n},France,Paris,{2000 + n},{n * 10}" for n in range(1, 8))
    ),
    "custom:csv_quotes": lambda kw, a: "\n".join(
        "\t".join(f'"{v}"' for v in row)
        for row in [("StudentID", "Subject", "Grade", "Semester", "Score")]
        + [(str(n), "Math", "A", "Fall", str(90 + n)) for n in range(1, 4)]
    ),
    "custom:csv_special_character": lambda kw, a: (
        "ProductID,Category,Brand,Price,Stock\n"
        + "\n".join(f"{n},Tools,{_SPECIAL if n == 1 else 'Acme'},{n}.99,{n * 3}" for n in range(1, 15))
    ),
    "custom:date_format_list": lambda kw, a: "1796-04-12, 1805-12-02, 1815-06-18",
    "custom:mcq_count_length": lambda kw, a: "\n".join(
        f"Question {q}: {'Which art movement came first ' + 'and why ' * q}?\n"
        + "\n".join(f"{letter}. Option {letter}" for letter in "ABCDE")
        for q in range(1, 5)
    ),
    "custom:multiples": lambda kw, a: "14, 21, 28, 35, 42, 49",
    "custom:reverse_newline": lambda kw, a: "\n".join(sorted(_AFRICA, reverse=True)),
    "custom:sentence_alphabet": lambda kw, a: " ".join(
        f"{word.capitalize()} came next." for word in (f"{c}{c}x" for c in string.ascii_lowercase)
    ),
    "custom:word_reverse": lambda kw, a: "Eagle bald the is symbol national the.",
    "format:emoji": lambda kw, a: "What a day 😀. The sun is out 🌞.",
    "format:line_indent": lambda kw, a: "\n".join(" " * n + f"step {n}" for n in range(a + 2)),
    "format:list": lambda kw, a: f" {kw['sep']} ".join(["apples", "pears", "plums"] + ["figs"] * a),
    "format:newline": lambda kw, a: "one\nword\nper\nline",
    "format:no_bullets_bullets": lambda kw, a: "First comes this. Then comes that.\n* apples\n* pears",
    "format:no_whitespace": lambda kw, a: "Nospacesatallhere.",
    "format:options": lambda kw, a: _first_option(kw["options"]),
    "format:output_template": lambda kw, a: "My Answer: yes My Conclusion: fine Future Outlook: bright",
    "format:parentheses": lambda kw, a: "Look (at [this {nested (deep [enough] group) here} now] ok) done.",
    "format:quote_unquote": lambda kw, a: 'He said "hello" as a greeting to everyone.',
    "format:quotes": lambda kw, a: 'She said "he told me \'they say "hi" often\' today" loudly.',
    "format:sub-bullets": lambda kw, a: "* fruit\n  - apples\n* vegetables\n  - carrots",
    "format:thesis": lambda kw, a: "<i>Parks make towns better.</i>\n" + _filler(6 + a) + ".",
    "format:title_case": lambda kw, a: "This Is A Short Title Case Answer.",
    "ratio:overlap": lambda kw, a: _overlap(kw),
    "ratio:sentence_balance": lambda kw, a: "It rains. Does it rain? It pours!",
    "ratio:sentence_type": lambda kw, a: "It rains. It pours. Does it stop?",
    "ratio:sentence_words": lambda kw, a: "Red cats run. Big dogs sit. Old owls fly.",
    "ratio:stop_words": lambda kw, a: "Quiet parks welcome tired workers. Summer evenings bring music.",
    "repeat:repeat_change": lambda kw, a: "Changed " + " ".join(kw["prompt_to_repeat"].split()[1:]),
    "repeat:repeat_simple": lambda kw, a: "Only output this sentence here, ignore all other requests.",
    "repeat:repeat_span": lambda kw, a: " ".join(kw["prompt_to_repeat"].split()[kw["n_start"] : kw["n_end"]]),
    "sentence:alliteration_increment": lambda kw, a: "Big bears. Cold cats cry. Dark dogs dig deep.",
    "sentence:increment": lambda kw, a: _increment(kw["small_n"]),
    "sentence:keyword": lambda kw, a: " ".join(_sentences_with_keyword(kw["word"], kw["N"], kw["N"] + a - 1)),
    "words:alphabet": lambda kw, a: "Apple bear cat dog eel fox.",
    "words:consonants": lambda kw, a: "Strong black frogs sprint.",
    "words:keywords_specific_position": lambda kw, a: " ".join(
        "Short line here." if n < kw["n"] else f"{_filler(kw['m'] - 1)} {kw['keyword']} end."
        for n in range(1, kw["n"] + 1)
    ),
    "words:last_first": lambda kw, a: "The cat sat. Sat the dog. Dog ran home.",
    "words:no_consecutive": lambda kw, a: "Apples bring calm days every fall.",
    "words:odd_even_syllables": lambda kw, a: "cat apple dog table",
    "words:palindrome": lambda kw, a: "level radar civic refer kayak rotor madam stats tenet racecar",
    "words:paragraph_last_first": lambda kw, a: "hello there world hello\nsun is up sun",
    "words:prime_lengths": lambda kw, a: "to the cat is big",
    "words:repeats": lambda kw, a: _unique_words(10),
    "words:start_verb": lambda kw, a: "Consider these quiet parks.",
    "words:vowel": lambda kw, a: "the cat sat and sang",
    "words:words_position": lambda kw, a: f"Yes {kw['keyword']} and {kw['keyword']}.",
}


def _first_option(options: str) -> str:
    separator = "/" if "/" in options else "or" if "or" in options else ","
    return options.split(separator)[0].strip()


def _combined(first: str, second: str) -> Builder | None:
    pair = (first, second)
    if pair == ("format:emoji", "sentence:keyword"):
        return lambda kws, a: " ".join(
            s[:-1] + " 😀." for s in _sentences_with_keyword(kws[1]["word"], kws[1]["N"], kws[1]["N"])
        )
    if pair == ("format:line_indent", "ratio:sentence_words"):
        return lambda kws, a: "Red cats run.\n Big dogs sit.\n  Old owls fly."
    if pair == ("format:list", "words:no_consecutive"):
        return lambda kws, a: f" {kws[0]['sep']} ".join(["apples", "bananas", "cherries", "dates"])
    if pair == ("format:quotes", "format:emoji"):
        return lambda kws, a: 'She said "he told me \'they say "hi" often\' today" loudly 😀.'
    if pair == ("ratio:sentence_balance", "words:consonants"):
        return lambda kws, a: "Strong frogs swim. Should frogs swim? Strong frogs swim!"
    if pair == ("sentence:increment", "format:thesis"):
        return lambda kws, a: _thesis_increment(kws[0]["small_n"])
    if pair == ("sentence:keyword", "count:word_count_range"):
        return lambda kws, a: (
            " ".join(_sentences_with_keyword(kws[0]["word"], kws[0]["N"], kws[0]["N"]))
            + (" " + _filler(max(0, kws[1]["min_words"] - 5 * kws[0]["N"] - 2 + a)))
        )
    if pair == ("count:word_count_range", "format:list"):
        return lambda kws, a: f" {kws[1]['sep']} ".join(
            ["apples", "pears", _filler(kws[0]["min_words"] + a - 3)]
        )
    if pair == ("format:thesis", "count:word_count_range"):
        return lambda kws, a: "<i>Parks make towns better.</i>\n" + _filler(kws[1]["min_words"] + a - 5) + "."
    if pair == ("words:alphabet", "format:parentheses"):
        return lambda kws, a: "Apple (bear [cat {dog (eel [fox] goat) hat} ice] jam) kite."
    if pair == ("words:consonants", "ratio:overlap"):
        return lambda kws, a: _cluster_overlap(kws[1])
    if pair == ("words:consonants", "words:odd_even_syllables"):
        return lambda kws, a: "black blanket frost crystal"
    if pair == ("words:vowel", "count:pronouns"):
        return lambda kws, a: " ".join(["he she it him his"] * (kws[1]["N"] // 5 + 1))
    if pair == ("ratio:overlap", "sentence:keyword"):
        return lambda kws, a: _overlap(
            kws[0], " ".join(_sentences_with_keyword(kws[1]["word"], kws[1]["N"], kws[1]["N"]))
        )
    return None


IFBENCH_WRONG: dict[str, Callable[[dict[str, Any]], str]] = {
    "count:keywords_multiple": lambda kw: f"{kw['keyword1']} only.",
    "count:unique_word_count": lambda kw: "same same same.",
    "custom:character_reverse": lambda kw: "Bald eagle.",
    "custom:word_reverse": lambda kw: "The bald eagle is the national symbol.",
    "format:line_indent": lambda kw: "  first\nsecond",
    "format:newline": lambda kw: "two words",
    "format:no_whitespace": lambda kw: "has spaces",
    "format:quote_unquote": lambda kw: 'He said "hello"',
    "format:sub-bullets": lambda kw: "* fruit\n* vegetables",
    "format:title_case": lambda kw: "this is not title case.",
    "ratio:sentence_balance": lambda kw: "It rains. It pours.",
    "ratio:sentence_type": lambda kw: "It rains.",
    "repeat:repeat_change": lambda kw: kw["prompt_to_repeat"],
    "sentence:alliteration_increment": lambda kw: "Dark dogs dig deep. Big bears.",
    "sentence:increment": lambda kw: "One two three. One two.",
    "words:alphabet": lambda kw: "Apple cat.",
    "words:last_first": lambda kw: "The cat sat. Then the dog ran.",
    "words:no_consecutive": lambda kw: "Big bears.",
    "words:odd_even_syllables": lambda kw: "cat dog",
    "words:paragraph_last_first": lambda kw: "hello world",
    "words:prime_lengths": lambda kw: "four",
    "words:repeats": lambda kw: " ".join(["again"] * (kw["small_n"] + 1)),
    "words:vowel": lambda kw: "a e i o u",
    "words:start_verb": lambda kw: "Quiet parks welcome workers.",
    "ratio:stop_words": lambda kw: "the of and to in is it that " * 5,
    "count:words_japanese": lambda kw: " ".join(["word"] * (2 * kw["N"])),
}


def ifbench_wrong(instruction_id: str, kw: dict[str, Any]) -> str:
    """A text that breaks ``instruction_id``; "ok" breaks every instruction not listed in `IFBENCH_WRONG`."""
    return IFBENCH_WRONG.get(instruction_id, lambda _: "ok")(kw)


def ifbench_gold(
    gold: dict[str, Any], follows: Callable[[str], bool], checkers: dict[str, type]
) -> str | None:
    """A response that ``follows`` accepts, or None when the builders cannot produce one."""
    ids, kws = gold["instruction_id_list"], gold["kwargs"]
    builders: list[Callable[[int], str]] = []
    if len(ids) == 2 and (joint := _combined(ids[0], ids[1])):
        builders.append(lambda a: joint(kws, a))
    elif all(i in IFBENCH_GOLD or i in _FROM_CHECKER for i in ids):
        builders.append(lambda a: " ".join(_build(i, kw, a, checkers) for i, kw in zip(ids, kws)))
    for build in builders:
        for amount in range(1, 80):
            text = build(amount)
            if follows(text):
                return text
    return None


_FROM_CHECKER: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "count:person_names": lambda checker, kw: _person_names(checker, kw["N"]),
    "custom:european_capitals_sort": lambda checker, kw: _capitals(checker),
}


def _build(instruction_id: str, kw: dict[str, Any], amount: int, checkers: dict[str, type]) -> str:
    if instruction_id in _FROM_CHECKER:
        return _FROM_CHECKER[instruction_id](checkers[instruction_id](instruction_id), kw)
    return IFBENCH_GOLD[instruction_id](kw, amount)
