"""Guards that veto a semantic cache hit when two prompts differ where it matters.

Prompts built from a template (``f"What is {a} + {b}?"``, ``f"Translate into {lang}: {text}"``,
``f"Classify the sentiment: {review}"``) share most of their words, so they embed close together, yet need
different answers. Cosine similarity cannot see that; these checks can. They compare what a template fills
in: numbers, quoted or code text, names and identifiers, the input after an instruction, a swapped word,
one of two exclusive alternatives ("positives" / "negatives"), negation, and the slots research templates
vary most: versions, dates and their parts (months, weekdays, quarters, "yesterday", "last week"), times,
units and currencies, the kind of thing a name names ("Apple" / "Apple Records"), a qualifier narrowing a
figure ("GDP" / "GDP per capita"). A paraphrase keeps all of those and passes; a word swapped for a listed
synonym or a short form, or a value written another way ("Sept" / "September", "kg" / "kilograms",
"Q2" / "second quarter", "7am" / "7 a.m."), is a paraphrase too. The word lists live in ``guard_words``.

``check_candidate(query, candidate)`` runs only on semantic candidates (never on exact hits). It costs
about 0.15 ms of CPU on average and up to about 1 ms for two 1,000-character texts seen for the first time:
the regexes are compiled once and each text's features are kept in an LRU cache, so a stored entry's
features are reused across lookups.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from .guard_words import (
    ABBREVIATIONS,
    AMBIGUOUS_MONTHS,
    ARTICLES,
    CONTRASTS,
    CURRENCY_QUALIFIERS,
    DAY_PARTS,
    DOMAINS,
    ENTITY_KINDS,
    FAR_RELATIVE_DAYS,
    JOINERS,
    MONTHS,
    NEGATIONS,
    NUMBER_WORDS,
    OPERATOR_WORDS,
    ORDINAL_TENS,
    ORDINAL_UNITS,
    ORDINAL_WORDS,
    PERIODS,
    QUALIFIERS,
    QUARTER_WORDS,
    QUESTION_WORDS,
    RELATIVE_DAYS,
    RELATIVE_WORDS,
    ROMAN_LOOKALIKES,
    SLOT_WORDS,
    STOPWORDS,
    SYNONYMS,
    UNITS,
    UNITS_AFTER_NUMBER,
    WEEKDAYS,
)

__all__ = ["check_candidate", "GUARD_VERSION", "REASONS", "SLOT_EXTRACTORS"]

#: Bumped whenever a rule changes, so a calibration can say which guards it was measured with.
GUARD_VERSION = "6"

REASONS = (
    "different numbers",
    "different quoted text",
    "different identifiers",
    "different input text",
    "different names",
    "different template slot",
    "negation",
    "contrasting words",
    "different order",
    "different question",
    "different version",
    "different date",
    "different time",
    "different unit",
    "different entity",
    "added qualifier",
)
_SWAP_RATIO = 0.7
#: Features come from the first this many characters; beyond them two texts must agree (case and spacing aside).
_LONG_TEXT = 2000

_WORD = re.compile(r"[^\W_][\w'’]*(?:[.\-][^\W_][\w]*)*(?:\+\+|#)?|_\w+", re.UNICODE)
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:%|[kK]\b)?|\d+(?:\.\d+)?(?:%|[kK]\b)?")
_QUOTED = re.compile(
    r"```(.+?)```|`([^`\n]+)`|\"([^\"\n]{1,400})\"|“([^”\n]{1,400})”|«([^»\n]{1,400})»"
    r"|(?<![\w])'((?:[^'\n]|(?<=\w)'(?=\w)){1,400})'(?![\w])|(?<![\w])‘([^’\n]{1,400})’(?![\w])",
    re.DOTALL,
)
_IDENTIFIER = re.compile(
    r"\b[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?|\b\w+\(\)|\b[a-z]+_\w+|\b_\w+|\b[a-z]+[A-Z]\w*"
)
_DIGIT = re.compile(r"\d")
_ROMAN_TOKEN = re.compile(r"(?<![\w'’-])[IVXLCDM]+(?![\w'’-])")
_ROMAN_VALID = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
#: The word before a lone "I" that is a numeral ("World War I", "Henry I"), not the pronoun: capitalised,
#: and itself after another word (a sentence's first word, "Can I", is not a name).
_NAME_BEFORE = re.compile(r"\w[\s,]+[A-Z][a-z]+\s+$")
_ROMAN_DIGITS = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_OPERATOR = re.compile(r"(?<=[\d)\s])[-+*/×÷^<>=](?=[\s(]*[-\d(])")
#: A dotted version after a name or a "v" ("Python 3.11", "pandas v2.10", "torch==2.1.0", "Ubuntu 20.04").
_VERSION = re.compile(r"(?:\b[A-Za-z][\w+#-]*(?:\s+|==|-|\s+v)|\bv)(\d+(?:\.\d+)+)(?![\d.]*\d)")
_MONTH = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s*)$")
_QUARTER = re.compile(r"\b([qh])([1-4])\b", re.IGNORECASE)
_TIME = re.compile(
    r"(?<![\d:.,])(\d{1,2})(?::([0-5]\d))?\s*([ap])\.?m\b|(?<![\d:.,])(\d{1,2}):([0-5]\d)(?![\d:])",
    re.IGNORECASE,
)
_UNIT_TOKEN = re.compile(r"[$€£¥₹]|°[cf]\b|[a-zµ]+(?:/[a-z]+)?")
_AFTER_NUMBER = re.compile(r"\d\s*$")
_PAYLOAD_SPLIT = re.compile(r":\s+|\n")
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[^\s.!?:])[ \t]+[\"'“‘(\[]?([A-Z][\w'’]*(?:[.\-][^\W_]\w*)*)")
_ENUMERATOR = re.compile(r"(?m)(?:^|(?<=[:;]))\s*\(?\d{1,2}[.)]\s")


@lru_cache(maxsize=65536)
def _forms(word: str) -> frozenset[str]:
    """A word and its regular inflections ("increase": "increases", "increased", "increasing")."""
    forms = {word, word + "s", word + "es", word + "ed", word + "ing", word + "ly", word + "ally"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    if word.endswith("y"):
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    return frozenset(forms)


def _group_index(groups: str) -> dict[str, frozenset[tuple[int, str]]]:
    """Each form of each word: the groups it is in, with the word it is a form of."""
    index: dict[str, set[tuple[int, str]]] = {}
    for number, group in enumerate(g for line in groups.strip().splitlines() for g in line.split("|")):
        for word in group.split():
            for form in _forms(word):
                index.setdefault(form, set()).add((number, word))
    return {form: frozenset(members) for form, members in index.items()}


_CONTRAST_GROUPS = _group_index(CONTRASTS)


_SYNONYM_GROUPS = _group_index(SYNONYMS)


def _related(a: str, b: str) -> bool:
    """Two words that can stand for each other in a reworded question: forms of one word ("dance" /
    "dancing"), a short form ("pic" / "picture", "tech" / "technology"), one unit ("kg" / "kilograms")
    or synonyms."""
    if a in _forms(b) or b in _forms(a) or UNITS.get(a, a) == UNITS.get(b, b):
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and long.startswith(short):
        return True
    groups_a = {group for group, _ in _SYNONYM_GROUPS.get(a, ())}
    return any(group in groups_a for group, _ in _SYNONYM_GROUPS.get(b, ()))


def _reworded(a: set[str], b: set[str]) -> bool:
    """Every word on one side stands for a word on the other."""
    return all(any(_related(x, y) for y in b) for x in a) or all(any(_related(y, x) for x in a) for y in b)


@dataclass(frozen=True)
class _Features:
    """What a template can fill in, extracted once per text."""

    words: tuple[str, ...]
    counts: Counter[str]
    word_set: frozenset[str]
    stems: frozenset[str]
    numbers: Counter[str]
    operators: frozenset[str]
    quoted: tuple[str, ...]
    identifiers: frozenset[str]
    names: frozenset[str]
    versions: Counter[str]
    dates: Counter[str]
    times: Counter[str]
    units: Counter[str]
    entity_kinds: dict[str, frozenset[str]]
    negated: bool
    instruction: tuple[str, ...]
    payload: frozenset[str] | None
    flat: str
    rest: str


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude stem ("works", "working", "worked" -> "work"): enough to see a reworded slot is the same."""
    word = word.removesuffix("'s").removesuffix("’s")
    for suffix in ("ing", "ed", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _content(words: list[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for w in words if w not in STOPWORDS)


def _numbers(text: str, words: list[str]) -> Counter[str]:
    """Every number in ``text`` (digits, number words, Roman numerals), as many times as it occurs: "from
    4 servings to 12" and "from 4 servings to 2" differ although both hold a 2 further on."""
    found: Counter[str] = Counter()
    for raw in _NUMBER.findall(_ENUMERATOR.sub(" ", text)) if _DIGIT.search(text) else ():
        key = _number_key(raw.replace(",", "").rstrip("%"))
        if key is not None:
            found[key] += 1
    for word in words:
        value = NUMBER_WORDS.get(word) or _ordinal_word(word)
        if value is not None:
            found[repr(float(value))] += 1
    for match in _ROMAN_TOKEN.finditer(text):
        numeral = match.group(0)
        if numeral in ROMAN_LOOKALIKES or not _ROMAN_VALID.fullmatch(numeral):
            continue
        if numeral == "I" and not _NAME_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            continue
        found[repr(float(_roman_value(numeral)))] += 1
    return found


def _number_key(value: str) -> str | None:
    """How :func:`_numbers` writes a number: as a float ("2" and "2.0": "2.0", "15k": "15000.0"), except a
    decimal ending in 0, which keeps its text: "Python 3.10" is not "Python 3.1"."""
    scale = 1000.0 if value[-1:] in ("k", "K") else 1.0
    if scale == 1.0 and "." in value and value.endswith("0") and value.rstrip("0")[-1] != ".":
        return value
    try:
        return repr(float(value.rstrip("kK")) * scale)
    except ValueError:
        return None


def _ordinal_word(word: str) -> str | None:
    """The number of an ordinal past "tenth", in words ("sixteenth", "twenty-first"), or None."""
    if word in ORDINAL_WORDS:
        return str(ORDINAL_WORDS[word])
    tens, _, unit = word.partition("-")
    if tens in ORDINAL_TENS and unit in ORDINAL_UNITS:
        return str(ORDINAL_TENS[tens] + ORDINAL_UNITS[unit])
    return None


def _value(word: str) -> str | None:
    """The number a word stands for ("two", "2", "2nd": "2.0"), as :func:`_numbers` writes it; None for a
    word."""
    value = NUMBER_WORDS.get(word) or _ordinal_word(word)
    if value is not None:
        return repr(float(value))
    if word[-2:] in ("st", "nd", "rd", "th") and word[:-2].isdigit():
        word = word[:-2]
    return _number_key(word) if word[:1].isdigit() else None


def _dates(text: str, words: list[str]) -> Counter[str]:
    """Months, weekdays, quarters and halves of a year, and days named relative to today ("yesterday",
    "last week"), each written one way: "Sept" and "September" are "month 9", "Q3" and "third quarter"
    are "quarter 3", "the day before yesterday" is "day -2". A capitalised "May" or "March" is a month,
    unless it starts a sentence ("May I ...")."""
    found: Counter[str] = Counter()
    for match in _MONTH.finditer(text):
        name = match.group(1)
        if name.lower() in AMBIGUOUS_MONTHS and (
            not name[0].isupper() or _SENTENCE_START.search(text, 0, match.start())
        ):
            continue
        found[f"month {MONTHS[name.lower()]}"] += 1
    for match in _QUARTER.finditer(text):
        found[f"{'quarter' if match.group(1) in 'qQ' else 'half'} {match.group(2)}"] += 1
    bare = [w.removesuffix("'s").removesuffix("’s") for w in words]
    for i, (word, after) in enumerate(zip(bare, [*bare[1:], ""], strict=True)):
        day = WEEKDAYS.get(word) or WEEKDAYS.get(word.removesuffix("s"))
        if day is not None:
            found[f"weekday {day}"] += 1
        elif word in QUARTER_WORDS and after in ("quarter", "half"):
            found[f"{after} {QUARTER_WORDS[word]}"] += 1
        elif (word, after) in FAR_RELATIVE_DAYS:
            found[f"day {FAR_RELATIVE_DAYS[(word, after)]}"] += 1
        elif word in RELATIVE_DAYS and (bare[i - 1] if i else "", word) not in FAR_RELATIVE_DAYS:
            found[f"day {RELATIVE_DAYS[word]}"] += 1
        elif word in RELATIVE_WORDS and after in PERIODS:
            found[f"{after} {RELATIVE_WORDS[word]:+d}"] += 1
    return found


def _times(text: str, words: list[str]) -> Counter[str]:
    """Times of day as minutes after midnight: "8am", "8 a.m." and "08:00" are one time; "noon" is 12:00."""
    found: Counter[str] = Counter()
    for match in _TIME.finditer(text) if _DIGIT.search(text) else ():
        hour, minute, half, hour24, minute24 = match.groups()
        if hour24 is not None:
            hours, minutes = int(hour24), int(minute24)
        else:
            hours, minutes = int(hour) % 12 + (12 if half.lower() == "p" else 0), int(minute or 0)
        found[str(hours * 60 + minutes)] += 1
    for word in words:
        if word in DAY_PARTS:
            found[str(DAY_PARTS[word] * 60)] += 1
    return found


def _units(text: str, words: list[str]) -> Counter[str]:
    """Units and currencies, one code each ("kg" = "kilograms", "$" = "dollars" = "USD"; "Canadian
    dollars" = "CAD"). A short form that is also a word ("in", "g", "m") counts only after a number."""
    found: Counter[str] = Counter()
    lowered = text.lower()
    previous = ""
    for match in _UNIT_TOKEN.finditer(lowered):
        token = match.group(0)
        code = UNITS.get(token)
        if code is not None and (
            token not in UNITS_AFTER_NUMBER
            or _AFTER_NUMBER.search(lowered, max(0, match.start() - 12), match.start())
            or previous in NUMBER_WORDS
        ):
            found[CURRENCY_QUALIFIERS.get((previous, code), code)] += 1
        previous = token
    return found


def _versions(text: str, words: list[str]) -> Counter[str]:
    """Dotted versions after a name or a "v", as written ("3.10" and "3.1" differ)."""
    return Counter(_VERSION.findall(text)) if _DIGIT.search(text) else Counter()


def _entity_kinds(text: str, words: list[str]) -> dict[str, frozenset[str]]:
    """Each capitalised name and the kind nouns that follow it ("Apple Records": {"apple": {"records"}},
    "the Jordan brand": {"jordan": {"brand"}}); "" where no kind noun follows."""
    tokens = re.findall(r"[\w'’-]+|[^\w\s]", text)
    kinds: dict[str, set[str]] = {}
    for token, after in zip(tokens, [*tokens[1:], ""], strict=True):
        name = token.lower()
        if token[:1].isupper() and name not in STOPWORDS and not token.isdigit():
            kind = after.lower() if after.lower() in ENTITY_KINDS else ""
            kinds.setdefault(name, set()).add(kind)
    return {name: frozenset(found) for name, found in kinds.items()}


#: The slot values each text is read for, by the ``_Features`` field they fill: each extractor takes the
#: text and its lower-case words (``benchmarks/eval_semantic.py`` times them one by one).
SLOT_EXTRACTORS: dict[str, Callable[[str, list[str]], Any]] = {
    "versions": _versions,
    "dates": _dates,
    "times": _times,
    "units": _units,
    "entity_kinds": _entity_kinds,
}


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_DIGITS[c] for c in numeral]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))


def _operators(text: str, words: frozenset[str]) -> frozenset[str]:
    """Arithmetic operators, written as symbols or words, in a text that holds numbers."""
    found = {OPERATOR_WORDS.get(symbol, symbol) for symbol in _OPERATOR.findall(text)}
    found.update(OPERATOR_WORDS[word] for word in words & OPERATOR_WORDS.keys())
    return frozenset(found)


def _tokens(text: str) -> tuple[list[str], frozenset[str]]:
    """Lower-case words but articles ("a", "an", "the" rarely change the answer), and the names among them:
    capitalised words not at the start of a sentence, and lower-case slot words (languages, labels)."""
    words = [w for w in _WORD.findall(text.lower()) if w not in ARTICLES]
    names = {w.lower() for w in _MID_SENTENCE_CAPITAL.findall(text) if len(w) > 1}
    names.difference_update(STOPWORDS)
    names.update(SLOT_WORDS.intersection(words))
    return words, frozenset(names)


@lru_cache(maxsize=8192)
def _features(full_text: str) -> _Features:
    text = full_text[:_LONG_TEXT]
    rest = " ".join(full_text[_LONG_TEXT:].lower().split())
    words, names = _tokens(text)
    word_set = frozenset(words)
    numbers = _numbers(text, words)
    parts = _PAYLOAD_SPLIT.split(text.strip(), maxsplit=1)
    instruction: tuple[str, ...] = tuple(words)
    payload = None
    if len(parts) == 2:
        tail = [w for w in _WORD.findall(parts[1].lower()) if w not in ARTICLES]
        if tail:
            instruction = tuple(words[: len(words) - len(tail)])
            payload = _content(tail)
    quoted = []
    for match in _QUOTED.finditer(text):
        span = _WORD.findall(next(g for g in match.groups() if g is not None).lower())
        quoted.append(" ".join(w for w in span if w not in ARTICLES))
    identifiers = frozenset(
        m.group(0).lower().removesuffix("()")
        for m in _IDENTIFIER.finditer(text)
        if m.group(0).lower() not in ABBREVIATIONS
    )
    return _Features(
        words=tuple(words),
        counts=Counter(words),
        word_set=word_set,
        stems=frozenset(_stem(w) for w in word_set),
        numbers=numbers,
        operators=_operators(text, word_set) if numbers else frozenset(),
        quoted=tuple(q for q in quoted if q),
        identifiers=identifiers,
        names=names,
        **{name: extract(text, words) for name, extract in SLOT_EXTRACTORS.items()},
        negated=any(w in NEGATIONS or w.startswith("non-") or w.endswith(("n't", "n’t")) for w in word_set),
        instruction=instruction,
        payload=payload,
        flat=" ".join(words),
        rest=rest,
    )


def _quoted_differ(a: _Features, b: _Features) -> bool:
    """Quoted or code spans that differ: one of either side's spans whose words do not appear, in that
    order, in the other text, or spans replaced by others ("the word 'quickly' in 'She ran quickly'" /
    "the word 'ran' in ...", where each word is still somewhere in the other text)."""
    if any(span not in b.flat for span in a.quoted) or any(span not in a.flat for span in b.quoted):
        return True
    spans_a, spans_b = Counter(a.quoted), Counter(b.quoted)
    return bool(spans_a - spans_b and spans_b - spans_a)


def _unmatched(items: frozenset[str], other: _Features) -> set[str]:
    return {item for item in items if item not in other.word_set and item not in other.flat}


def _unmatched_identifiers(a: _Features, b: _Features) -> bool:
    """A code name or web address of ``a`` that ``b`` lacks, also as a plural ("iPhone" / "iPhones") or, for
    an address, as its bare name ("unifunds.com" / "unifunds")."""
    for item in _unmatched(a.identifiers, b):
        if any(form in b.word_set for form in _forms(item)) or item.removesuffix("s") in b.word_set:
            continue
        name, _, domain = item.rpartition(".")
        if domain in DOMAINS and name in b.word_set:
            continue
        return True
    return False


def _unmatched_names(a: _Features, b: _Features) -> bool:
    """A name of ``a`` that ``b`` lacks, also as a variant spelling ("Hilary" / "Hillary", "William's")."""
    for name in _unmatched(a.names, b):
        stem = _stem(name)
        if stem in b.stems:
            continue
        if len(name) >= 5 and any(
            difflib.SequenceMatcher(None, name, other).ratio() >= 0.8 for other in b.names if len(other) >= 5
        ):
            continue
        return True
    return False


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def _reordered(a: _Features, b: _Features) -> bool:
    """The same names in another order ("from English to French" / "from French to English")."""
    order_a = [w for w in a.words if w in a.names]
    order_b = [w for w in b.words if w in b.names]
    if len(set(order_a)) < 2 or set(order_a) != set(order_b) or order_a == order_b:
        return False
    return not (_alternatives(a, order_a) and _alternatives(b, order_b))


def _alternatives(features: _Features, names: list[str]) -> bool:
    """The names stand side by side as alternatives ("MBA or CA", "cats and dogs"), where order means nothing."""
    flat = features.flat
    return any(f"{x} {joiner} {y}" in flat for x, y in pairwise(names) for joiner in JOINERS)


def _variant_spellings(a: set[str], b: set[str]) -> bool:
    """One word each, spelled nearly alike ("color" / "colour"): a variant, not a slot. The first two
    letters must agree, so "ascending" / "descending" and "encrypt" / "decrypt" stay different."""
    if len(a) != 1 or len(b) != 1:
        return False
    (word_a,), (word_b,) = a, b
    return word_a[:2] == word_b[:2] and difflib.SequenceMatcher(None, word_a, word_b).ratio() >= 0.8


class _Alignment:
    """Word-level alignment of two texts: how much they share and the spans where they differ."""

    def __init__(self, a: _Features, b: _Features):
        matcher = difflib.SequenceMatcher(None, a.words, b.words, autojunk=False)
        self.shared = sum(block.size for block in matcher.get_matching_blocks())
        self.ratio = self.shared / max(len(a.words), len(b.words), 1)
        self.spans = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        self.only_a: set[str] = set()
        self.only_b: set[str] = set()
        self.changed_a: set[str] = set()  # as only_a, stopwords included ("up" / "down")
        self.changed_b: set[str] = set()
        for _, i1, i2, j1, j2 in self.spans:
            self.changed_a.update(
                w for w in a.words[i1:i2] if _stem(w) not in b.stems and _value(w) not in b.numbers
            )
            self.changed_b.update(
                w for w in b.words[j1:j2] if _stem(w) not in a.stems and _value(w) not in a.numbers
            )
        self.only_a = self.changed_a - STOPWORDS
        self.only_b = self.changed_b - STOPWORDS

    def contrasting(self) -> bool:
        """One side has a word where the other has another member of its contrast group ("positives" /
        "negatives", "closest" / "farthest")."""
        members_a = {m for w in self.changed_a for m in _CONTRAST_GROUPS.get(w, ())}
        members_b = {m for w in self.changed_b for m in _CONTRAST_GROUPS.get(w, ())}
        return any(ga == gb and wa != wb for ga, wa in members_a for gb, wb in members_b)

    def added_qualifier(self, a: _Features, b: _Features) -> bool:
        """One side adds a word or two that narrow a figure to another one, and nothing else differs:
        "the unemployment rate" / "the youth unemployment rate", "GDP" / "GDP per capita"."""
        if len(self.spans) != 1 or self.spans[0][0] not in ("insert", "delete"):
            return False
        _, i1, i2, j1, j2 = self.spans[0]
        added = a.words[i1:i2] or b.words[j1:j2]
        return len(added) <= 2 and any(word in QUALIFIERS for word in added)

    def filled_slot(self, slot_words_only: bool) -> bool:
        """One or two contiguous spans differ inside a shared template, and they hold different content.

        Different content is a slot word (a language, a label) on either side or, unless
        ``slot_words_only``, one span where one or two words were swapped for others in a text that is
        otherwise the same ("a limerick about a cat" / "... a dog"), or where both sides hold three or
        more words the other lacks.
        """
        if self.shared < 3 or self.ratio < 0.6 or len(self.spans) > 2 or not (self.only_a and self.only_b):
            return False
        if (self.only_a | self.only_b) & SLOT_WORDS:
            return True
        if slot_words_only or len(self.spans) != 1:
            return False
        _, i1, i2, j1, j2 = self.spans[0]
        if i2 - i1 <= 2 and j2 - j1 <= 2 and self.ratio >= _SWAP_RATIO:
            return not (_variant_spellings(self.only_a, self.only_b) or _reworded(self.only_a, self.only_b))
        return min(len(self.only_a), len(self.only_b)) >= 3


def _replaced(a: Counter[str], b: Counter[str]) -> bool:
    """A value of one side is missing on the other, and the other has one in its place."""
    return bool(a - b and b - a)


def _changed_slot(a: _Features, b: _Features) -> str | None:
    """The kind of slot a template filled with another value: a version, a date (month, weekday, quarter,
    "yesterday", "last week"), a time of day, a unit or currency. A value on one side only is no veto."""
    if _replaced(a.versions, b.versions):
        return "different version"
    if _replaced(a.dates, b.dates):
        return "different date"
    if _replaced(a.times, b.times):
        return "different time"
    if _replaced(a.units, b.units):
        return "different unit"
    return None


def _other_kind(a: _Features, b: _Features) -> bool:
    """One name followed by different kind nouns: "Apple" / "Apple Records", "Jordan" / "the Jordan brand"."""
    for name in a.entity_kinds.keys() & b.entity_kinds.keys():
        kinds_a, kinds_b = a.entity_kinds[name] - {""}, b.entity_kinds[name] - {""}
        if any(_stem(kind) not in b.stems for kind in kinds_a - kinds_b) or any(
            _stem(kind) not in a.stems for kind in kinds_b - kinds_a
        ):
            return True
    return False


def check_candidate(query: str, candidate: str) -> str | None:
    """Why ``candidate`` (a cached prompt) must not answer ``query``, or None if it may.

    Reasons: "different numbers" (a number or an operator replaced by another), "different quoted text"
    (quoted or code spans whose words differ), "different identifiers" (code names), "different input
    text" (the text after an instruction such as ``"Summarise: ..."``), "different names" (a name or a
    language replaced by another), "negation" (one side negated, the rest nearly the same), "contrasting
    words" (another member of a group of exclusive alternatives: "closest" / "farthest"), "different
    order" (the same names turned around), "different question" (why / how / when ... on the same
    words), "different template slot" (one or two words swapped, or a shared template filled in with
    other words), "different version" / "different date" / "different time" / "different unit" (a
    slot of that kind holds another value on each side), "different entity" (a name followed by a noun
    saying it is another kind of thing), "added qualifier" (one side narrows the figure asked for).

    A value present on one side only (``"best movies of 2016"`` vs ``"best movies"``) is not vetoed: on
    labelled paraphrase data such additions are mostly rewordings, while replacements mostly are not.
    """
    if query == candidate:
        return None
    a, b = _features(query), _features(candidate)
    if a.rest != b.rest:
        return "different input text"
    slot = _changed_slot(a, b)
    if slot:
        return slot
    if (a.numbers - b.numbers and b.numbers - a.numbers) or (
        a.numbers and b.numbers and a.operators != b.operators
    ):
        return "different numbers"
    if a.quoted and b.quoted and _quoted_differ(a, b):
        return "different quoted text"
    if _unmatched_identifiers(a, b) or _unmatched_identifiers(b, a):
        return "different identifiers"
    if (
        a.payload is not None
        and b.payload is not None
        and a.payload != b.payload
        and (a.instruction == b.instruction or _overlap(a.payload, b.payload) < 0.5)
    ):
        return "different input text"
    if _unmatched_names(a, b) and _unmatched_names(b, a):
        return "different names"
    if _other_kind(a, b):
        return "different entity"
    longest = max(len(a.words), len(b.words), 1)
    if sum((a.counts & b.counts).values()) < 0.6 * longest:
        return None  # the rules below need a shared template: at least 60% of the words in common
    alignment = _Alignment(a, b)
    if a.negated != b.negated and alignment.ratio >= 0.7:
        return "negation"
    if alignment.ratio >= 0.5 and alignment.contrasting():
        return "contrasting words"
    if alignment.ratio >= 0.6 and _reordered(a, b):
        return "different order"
    if (
        alignment.ratio >= 0.6
        and a.words[:1] != b.words[:1]
        and {*a.words[:1], *b.words[:1]} <= QUESTION_WORDS
    ):
        return "different question"
    if alignment.ratio >= 0.6 and alignment.added_qualifier(a, b):
        return "added qualifier"
    if alignment.filled_slot(slot_words_only=a.payload is not None and a.payload == b.payload):
        return "different template slot"
    return None
