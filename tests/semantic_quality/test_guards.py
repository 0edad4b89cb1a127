"""The guards veto every templated near-miss and let true paraphrases through (no embeddings needed)."""

from __future__ import annotations

import pytest

from pllm_notebook.cache.guards import REASONS, check_candidate

from .cases import NEAR_MISSES, PARAPHRASES


@pytest.mark.parametrize(
    ("kind", "a", "b"), NEAR_MISSES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(NEAR_MISSES)]
)
def test_a_templated_near_miss_is_rejected_with_a_reason(kind, a, b):
    assert check_candidate(b, a) in REASONS
    assert check_candidate(a, b) in REASONS


@pytest.mark.parametrize(
    ("kind", "a", "b"), PARAPHRASES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(PARAPHRASES)]
)
def test_a_paraphrase_with_the_same_content_is_accepted(kind, a, b):
    assert check_candidate(b, a) is None
    assert check_candidate(a, b) is None


@pytest.mark.parametrize(
    ("query", "candidate", "reason"),
    [
        ("What is 12 * 7?", "What is 12 + 7?", "different numbers"),
        ("What is two plus three?", "What is 2 + 3?", None),
        ("Summarise: the cat sat on the mat.", "Summarise: the dog sat on the rug.", "different input text"),
        ("Translate into Spanish: hello", "Translate into Italian: hello", "different names"),
        ("Does `pd.concat` copy data?", "Does `pd.merge` copy data?", "different quoted text"),
        ("Is the test flaky?", "Is the test not flaky?", "negation"),
        ("How do I sort a list in python?", "How do I sort a list in rust?", "different names"),
        ("日本語に翻訳して: こんにちは", "日本語に翻訳して: さようなら", "different input text"),
        (
            "Scale this recipe from 4 servings to 12: 2 eggs",
            "Scale this recipe from 4 servings to 2: 2 eggs",
            "different numbers",
        ),
        ("In what year did World War I end?", "In what year did World War II end?", "different numbers"),
        ("Convert MCMXCIV to an Arabic number.", "Convert MCMLXIV to an Arabic number.", "different numbers"),
        ("What can I do about it?", "What can I do about this?", None),
        (
            "What part of speech is 'ran' in 'She ran quickly'?",
            "What part of speech is 'quickly' in 'She ran quickly'?",
            "different quoted text",
        ),
        (
            "Summarise the review, focusing on the negatives: ok",
            "Summarise the review, focusing on the positives: ok",
            "contrasting words",
        ),
        (
            "Which planet is closest to the Sun?",
            "Which planet is farthest from the Sun?",
            "contrasting words",
        ),
        ("Why is it so hard to wake up?", "Why is it so difficult to wake up?", None),
        ("How do I create a blog on Quora?", "How do I start a blog on Quora?", None),
        ("How can I change my profile pic?", "How can I change my profile picture?", None),
        ("Are you against the 2 party system?", "Are you against the two party system?", None),
        ("Which is better, MBA or CA?", "Which is better, CA or MBA?", None),
        ("Why is iPhone so expensive?", "Why are iPhones so expensive?", None),
        (
            "What is it like to work at Tree.com?",
            "What is it like to work at Stamps.com?",
            "different identifiers",
        ),
        ("Write a limerick about a cat.", "Write a limerick about a dog.", "different template slot"),
    ],
)
def test_reasons_name_what_differs(query, candidate, reason):
    assert check_candidate(query, candidate) == reason


def test_long_prompts_differing_past_what_the_embedder_reads_are_different_inputs():
    report = "Summarise this report: " + " ".join(f"Section {i} covers the budget." for i in range(400))
    changed = report.replace("Section 300 covers", "Section 300 omits")
    assert check_candidate(changed, report) == "different input text"
    assert check_candidate(report.upper().lower() + "  ", report.lower()) is None
