"""Flesch reading ease of plain English, with no dictionary: enough to tell a draft that it reads hard.

Flesch (1948): 206.835 - 1.015 * words per sentence - 84.6 * syllables per word. Syllables are counted
by the usual rule of thumb (groups of vowels, less a silent final "e"), which is what the score needs;
tests/test_atrs_feedback.py compares it with textstat (a test-only dependency) on real record texts.
Scores: 60 and above is plain English; under 50 is hard for the general public.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
VOWELS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    word = word.lower().replace("’", "'").split("'")[0]
    count = len(VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith(("ed", "es")) and count > 1 and not word.endswith(("ted", "ded", "ses", "zes", "ces", "ges")):
        count -= 1
    return max(count, 1)


def sentence_count(text: str) -> int:
    return max(len(SENTENCE_END.findall(text.strip())), 1) if text.strip() else 0


def flesch_reading_ease(text: str) -> float | None:
    """The score of ``text``, or None when it has no words."""
    words = WORD.findall(text)
    if not words:
        return None
    per_sentence = len(words) / sentence_count(text)
    per_word = sum(syllables(word) for word in words) / len(words)
    return round(206.835 - 1.015 * per_sentence - 84.6 * per_word, 1)
