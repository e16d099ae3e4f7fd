"""Responses built to follow (or to break) the instructions of an IFEval item, for proving the grader.

`ifeval_gold` assembles a response from the item's kwargs: filler sentences (in the required language, free
of forbidden words, of letters and keywords that must stay rare, and of commas) laid out in the required
paragraphs, sections and bullets, with the keywords, highlights, placeholders, title, postscript, end
phrase, quotes and case the instructions ask for. Counts that depend on the filler (words, sentences,
letters) are met by trying growing amounts of filler and keeping the first response the checkers accept:
the construction is guided by the real checkers but every instruction is satisfied by what is written.
`ifeval_wrong` breaks the item's first instruction by editing the gold response.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FILLER = [
    "we",
    "think",
    "that",
    "the",
    "best",
    "way",
    "to",
    "do",
    "this",
    "is",
    "to",
    "take",
    "it",
    "one",
    "step",
    "at",
    "a",
    "time",
    "and",
    "you",
    "will",
    "find",
    "that",
    "it",
    "is",
    "easy",
    "to",
    "read",
    "because",
    "this",
    "answer",
    "was",
    "written",
    "with",
    "care",
    "for",
    "you",
    "so",
    "that",
    "every",
    "part",
    "of",
    "it",
    "makes",
    "sense",
    "when",
    "you",
    "look",
    "at",
    "the",
    "whole",
    "picture",
    "from",
    "the",
    "start",
    "to",
    "the",
    "end",
    "of",
    "the",
    "day",
]
_LANGUAGE_FILLER = {
    "hi": "यह एक सुंदर दिन है और हम सब बहुत खुश हैं क्योंकि हमारे दोस्त आज हमसे मिलने आ रहे हैं।",
    "mr": "आज हवामान खूप छान आहे आणि आम्ही संध्याकाळी बागेत फिरायला जाणार आहोत.",
    "ne": "आज मौसम धेरै राम्रो छ र हामी साँझ बगैंचामा घुम्न जाँदैछौं।",
    "kn": "ಇಂದು ಹವಾಮಾನ ತುಂಬಾ ಚೆನ್ನಾಗಿದೆ ಮತ್ತು ನಾವು ಸಂಜೆ ಉದ್ಯಾನಕ್ಕೆ ಹೋಗುತ್ತಿದ್ದೇವೆ.",
    "vi": "Hôm nay thời tiết rất đẹp và chúng tôi sẽ đi dạo trong công viên vào buổi chiều.",
    "ko": "오늘은 날씨가 정말 좋아서 우리는 저녁에 공원으로 산책하러 갑니다.",
    "sw": "Leo hali ya hewa ni nzuri sana na tunakwenda kutembea katika bustani jioni.",
    "de": "Heute ist das Wetter sehr schön und wir gehen am Abend im Park spazieren.",
    "pa": "ਅੱਜ ਮੌਸਮ ਬਹੁਤ ਵਧੀਆ ਹੈ ਅਤੇ ਅਸੀਂ ਸ਼ਾਮ ਨੂੰ ਬਾਗ ਵਿੱਚ ਸੈਰ ਕਰਨ ਜਾ ਰਹੇ ਹਾਂ।",
    "fa": "امروز هوا بسیار خوب است و ما عصر برای قدم زدن به پارک می‌رویم.",
    "ru": "Сегодня очень хорошая погода и мы вечером идём гулять в парк.",
    "bg": "Днес времето е много хубаво и ние вечерта отиваме на разходка в парка.",
    "pt": "Hoje o tempo está muito bonito e nós vamos passear no parque à tarde.",
    "gu": "આજે હવામાન ખૂબ સરસ છે અને અમે સાંજે બગીચામાં ફરવા જઈએ છીએ.",
    "te": "ఈ రోజు వాతావరణం చాలా బాగుంది మరియు మేము సాయంత్రం తోటలో నడవడానికి వెళ్తున్నాము.",
    "it": "Oggi il tempo è molto bello e noi andiamo a passeggiare nel parco la sera.",
    "ar": "الطقس اليوم جميل جدا ونحن ذاهبون للتنزه في الحديقة في المساء.",
    "ta": "இன்று வானிலை மிகவும் நன்றாக உள்ளது மேலும் நாங்கள் மாலையில் பூங்காவில் நடக்கப் போகிறோம்.",
    "fi": "Tänään sää on todella kaunis ja me menemme illalla kävelylle puistoon.",
    "ur": "آج موسم بہت اچھا ہے اور ہم شام کو باغ میں سیر کرنے جا رہے ہیں۔",
    "th": "วันนี้อากาศดีมากและพวกเราจะไปเดินเล่นในสวนสาธารณะตอนเย็น",
    "bn": "আজ আবহাওয়া খুব সুন্দর এবং আমরা সন্ধ্যায় পার্কে হাঁটতে যাচ্ছি।",
}
_AMOUNTS = (*range(1, 41), 48, 64, 80, 100, 128, 160, 200)
_SENTENCE_LENGTHS = (8, 24, 64)  # words per filler sentence
_CAPITAL_WORDS = ("NOTE", "KEY", "TIP", "IDEA", "PLAN", "GOAL", "STEP", "FACT")


class _Spec:
    """What the instructions of one item ask for, gathered from their kwargs."""

    def __init__(self, ids: list[str], kwargs: list[dict[str, Any]]):
        self.language = "en"
        self.case: str | None = None
        self.no_comma = self.quote = self.json = self.title = self.constrained = self.two = False
        self.repeat = self.end = self.postscript = None
        self.paragraphs = self.first_word = self.sections = None
        self.bullets = self.highlights = self.placeholders = 0
        self.include: list[str] = []
        self.avoid: list[str] = []  # substrings no filler word may contain
        self.letters: list[tuple[str, int]] = []  # at least N of this character
        self.capitals = 0
        self.capitals_rare = False
        for instruction, kw in zip(ids, kwargs):
            self._add(instruction.split(":")[1], kw)

    def _add(self, kind: str, kw: dict[str, Any]) -> None:
        if kind == "response_language":
            self.language = kw["language"]
        elif kind in ("english_capital", "english_lowercase"):
            self.case = "upper" if kind == "english_capital" else "lower"
        elif kind == "no_comma":
            self.no_comma = True
        elif kind == "quotation":
            self.quote = True
        elif kind == "json_format":
            self.json = True
        elif kind == "title":
            self.title = True
        elif kind == "constrained_response":
            self.constrained = True
        elif kind == "two_responses":
            self.two = True
        elif kind == "repeat_prompt":
            self.repeat = kw["prompt_to_repeat"]
        elif kind == "end_checker":
            self.end = kw["end_phrase"]
        elif kind == "postscript":
            self.postscript = kw["postscript_marker"]
        elif kind == "number_paragraphs":
            self.paragraphs = ("***", kw["num_paragraphs"])
        elif kind == "nth_paragraph_first_word":
            self.paragraphs = ("\n\n", kw["num_paragraphs"])
            self.first_word = (kw["nth_paragraph"], kw["first_word"])
        elif kind == "multiple_sections":
            self.sections = (kw["section_spliter"], kw["num_sections"])
        elif kind == "number_bullet_lists":
            self.bullets = kw["num_bullets"]
        elif kind == "number_highlighted_sections":
            self.highlights = kw["num_highlights"]
        elif kind == "number_placeholders":
            self.placeholders = kw["num_placeholders"]
        elif kind == "existence":
            self.include += kw["keywords"]
        elif kind == "frequency":
            if kw["relation"] == "less than":
                self.avoid.append(kw["keyword"].lower())
            else:
                self.include += [kw["keyword"]] * kw["frequency"]
        elif kind == "forbidden_words":
            self.avoid += [w.lower() for w in kw["forbidden_words"]]
        elif kind == "letter_frequency":
            if kw["let_relation"] == "less than":
                self.avoid.append(kw["letter"].lower())
            else:
                self.letters.append((kw["letter"].lower(), kw["let_frequency"]))
        elif kind == "capital_word_frequency":
            if kw["capital_relation"] == "less than":
                self.capitals_rare = True
            else:
                self.capitals = kw["capital_frequency"]


def _sentences(spec: _Spec, count: int, offset: int, length: int = 8) -> list[str]:
    if spec.language != "en":
        return [_LANGUAGE_FILLER[spec.language]] * count
    pool = [w for w in _FILLER if not any(a in w for a in spec.avoid)] or ["hmm"]
    sentences = []
    for number in range(count):
        start = (offset + number) * length
        words = [pool[(start + i) % len(pool)] for i in range(length)]
        sentences.append(" ".join(words).capitalize() + ".")
    return sentences


def _body(spec: _Spec, amount: int, length: int, variant: int) -> str:
    """The paragraphs / sections / bullets of one response, with ``amount`` filler sentences per block."""
    extras = [f"*{w} highlight*" for w in ("first", "second", "third", "fourth", "fifth", "sixth", "seventh")]
    extras = (extras * 3)[: spec.highlights]
    extras += [f"[field {n}]" for n in range(1, spec.placeholders + 1)]
    extras += list(spec.include)
    extras += list(_CAPITAL_WORDS * 4)[: spec.capitals]
    if spec.constrained:
        extras.append("My answer is yes.")
    blocks: list[str] = []
    separator, count = spec.paragraphs or ("\n\n", 1)
    if spec.sections:
        count = spec.sections[1]
    for number in range(count):
        text = " ".join(_sentences(spec, amount + variant, number * amount, length))
        if number == 0 and extras:
            text = text + " " + " ".join(extras)
        if spec.first_word and number == spec.first_word[0] - 1:
            text = f"{spec.first_word[1]} {text}"
        if spec.sections:
            text = f"{spec.sections[0]} {number + 1}\n{text}"
        blocks.append(text)
    if spec.bullets:
        bullets = "\n".join(f"* {s}" for s in _sentences(spec, spec.bullets, offset=100 + variant))
        blocks[-1] = f"{blocks[-1]}\n{bullets}"
    for letter, needed in spec.letters:
        words = [w for w in _FILLER if letter in w] or [letter * 2]
        blocks[-1] += " " + " ".join(words[i % len(words)] for i in range(needed))
    joiner = "\n***\n" if separator == "***" else "\n\n"
    return joiner.join(blocks)


def _render(spec: _Spec, amount: int, length: int = 8) -> str:
    body = _body(spec, amount, length, 0)
    if spec.two:
        body = f"{body}\n******\n{_body(spec, amount, length, 1)}"
    parts = [spec.repeat] if spec.repeat else []
    if spec.title:
        parts.append("<<a quiet title>>")
    parts.append(body)
    if spec.postscript:
        parts.append(f"{spec.postscript} one more small note.")
    if spec.end:
        parts.append(spec.end)
    text = ("\n" if spec.paragraphs else "\n\n").join(parts)  # extra parts must not add paragraphs
    if spec.case == "upper":
        text = text.upper()
    elif spec.case == "lower":
        text = text.lower()
    if spec.no_comma:
        text = text.replace(",", "")
    if spec.json:
        text = json.dumps({"answer": text}, ensure_ascii=False)
    if spec.quote:
        text = f'"{text}"'
    return text


def ifeval_gold(gold: dict[str, Any], follows: Any) -> str | None:
    """A response that ``follows(text)`` accepts, or None when no amount of filler satisfies every check."""
    spec = _Spec(gold["instruction_id_list"], gold["kwargs"])
    if spec.language not in ("en", *_LANGUAGE_FILLER):
        return None
    for length in _SENTENCE_LENGTHS:
        for amount in _AMOUNTS:
            text = _render(spec, amount, length)
            if follows(text):
                return text
    return None


def ifeval_draft(gold: dict[str, Any]) -> str:
    """The response `ifeval_gold` tries first (for items it cannot satisfy)."""
    return _render(_Spec(gold["instruction_id_list"], gold["kwargs"]), 1)


def ifeval_wrong(text: str, instruction_id: str, kw: dict[str, Any]) -> str:
    """``text`` edited so that it breaks ``instruction_id`` (with kwargs ``kw``)."""
    kind = instruction_id.split(":")[1]
    if kind == "existence":
        return re.sub(re.escape(kw["keywords"][0]), "", text, flags=re.IGNORECASE)
    if kind == "frequency":
        if kw["relation"] == "less than":
            return text + (" " + kw["keyword"]) * kw["frequency"]
        return re.sub(re.escape(kw["keyword"]), "", text, flags=re.IGNORECASE)
    if kind == "forbidden_words":
        return f"{text} {kw['forbidden_words'][0]}"
    if kind == "letter_frequency":
        if kw["let_relation"] == "less than":
            return text + " " + kw["letter"] * kw["let_frequency"]
        return re.sub(re.escape(kw["letter"]), "", text, flags=re.IGNORECASE)
    if kind == "response_language":
        return (
            " ".join(_sentences(_Spec([], []), 12, 0)) if kw["language"] != "en" else _LANGUAGE_FILLER["de"]
        )
    if kind in ("number_sentences", "number_words"):
        n = kw.get("num_sentences") or kw["num_words"]
        if kw["relation"] == "less than":
            return text + " " + " ".join(_sentences(_Spec([], []), n, 0))
        return "Short."
    if kind == "number_paragraphs":
        return text + "\n***\nOne more paragraph."
    if kind == "nth_paragraph_first_word":
        return text + "\n\nOne more paragraph."
    if kind == "number_placeholders":
        return re.sub(r"\[(.*?)\]", r"\1", text)
    if kind == "postscript":
        return re.sub(r"p\.\s?p\.\s?s\.?|p\.\s?s\.", "note", text, flags=re.IGNORECASE)
    if kind == "number_bullet_lists":
        return text + "\n* one more bullet"
    if kind == "constrained_response":
        return (
            text.replace("My answer is", "I say")
            .replace("MY ANSWER IS", "I SAY")
            .replace("my answer is", "i say")
        )
    if kind == "number_highlighted_sections":
        return text.replace("*", "")
    if kind == "multiple_sections":
        return text.replace(kw["section_spliter"], "Part")
    if kind == "json_format":
        return "Here is the JSON:\n" + text
    if kind == "title":
        return text.replace("<<", "").replace(">>", "")
    if kind == "two_responses":
        return text.replace("******", "")
    if kind == "repeat_prompt":
        return "Sure. " + text
    if kind == "end_checker":
        return text + " Thanks again."
    if kind == "capital_word_frequency":
        if kw["capital_relation"] == "less than":
            return text + " NOTE" * kw["capital_frequency"]
        return text.lower()
    if kind == "english_capital":
        return text + " and more"
    if kind == "english_lowercase":
        return text + " NOW"
    if kind == "no_comma":
        return text + ", indeed"
    if kind == "quotation":
        return text.strip().strip('"')
    raise ValueError(f"no way to break {instruction_id!r}")
