"""Canonical requests: equivalent forms share a key, anything that changes the answer changes the partition."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pllm_notebook.cache.canonical import canonical_from_kwargs, canonical_from_request
from pllm_notebook.providers import LLMRequest, Message

BASE = {
    "model": "gpt-4o-mini",
    "temperature": 0.2,
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
}


def canon(kwargs=None, context=None, **changes):
    return canonical_from_kwargs({**BASE, **changes} if kwargs is None else kwargs, context or {})


def test_key_order_key_whitespace_and_message_forms_do_not_change_the_key():
    reference = canon()
    reordered = {k: BASE[k] for k in reversed(list(BASE))}
    reordered["messages"] = [{"content": m["content"], "role": m["role"]} for m in BASE["messages"]]
    spaced = {f" {k} ": v for k, v in BASE.items()}
    parts = {
        **BASE,
        "messages": [{**m, "content": [{"type": "text", "text": m["content"]}]} for m in BASE["messages"]],
    }
    with_none = {**BASE, "top_p": None, "timeout": 30, "extra_headers": {"Authorization": "Bearer x"}}
    for kwargs in (reordered, spaced, parts, with_none):
        assert canon(kwargs).exact_key == reference.exact_key
    assert reference.prompt == "What is the capital of France?"


def test_anthropic_system_argument_equals_a_leading_system_message():
    anthropic = {
        "model": "gpt-4o-mini",
        "temperature": 0.2,
        "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
        "messages": BASE["messages"][1:],
    }
    assert canon(anthropic).exact_key == canon().exact_key


@pytest.mark.parametrize(
    "change",
    [
        {"model": "gpt-4o"},
        {"temperature": 0.9},
        {"messages": [{"role": "system", "content": "You are verbose."}, *BASE["messages"][1:]]},
        {"messages": [BASE["messages"][0], {"role": "user", "content": "Hey"}, *BASE["messages"][2:]]},
        {"tools": [{"type": "function", "function": {"name": "f"}}]},
        {"response_format": {"type": "json_object"}},
    ],
    ids=["model", "temperature", "system prompt", "earlier turn", "tools", "response format"],
)
def test_what_changes_the_answer_changes_the_partition(change):
    assert canon(**change).context_hash != canon().context_hash


def test_cache_context_is_in_the_partition_but_not_in_the_prompt():
    a = canon(context={"document_id": "v1"})
    b = canon(context={"document_id": "v2"})
    assert a.context_hash != b.context_hash and a.prompt == b.prompt


def test_the_last_user_message_is_in_the_exact_key_only():
    other = canon(
        messages=[*BASE["messages"][:-1], {"role": "user", "content": "What is the capital of Spain?"}]
    )
    assert other.context_hash == canon().context_hash
    assert other.exact_key != canon().exact_key


def test_gemini_contents_and_config():
    one = canonical_from_kwargs(
        {
            "model": "gemini-2.0-flash",
            "contents": "Name three rivers.",
            "config": {"system_instruction": "Be brief.", "temperature": 0},
        },
        {},
    )
    two = canonical_from_kwargs(
        {
            "model": "gemini-2.0-flash",
            "contents": [{"role": "user", "parts": [{"text": "Name three rivers."}]}],
            "config": {"temperature": 0, "system_instruction": "Be brief."},
        },
        {},
    )
    assert one.exact_key == two.exact_key and one.prompt == "Name three rivers."
    hotter = canonical_from_kwargs(
        {"model": "gemini-2.0-flash", "contents": "Name three rivers.", "config": {"temperature": 1}}, {}
    )
    assert hotter.context_hash != one.context_hash


class Answer(pydantic.BaseModel):
    city: str


def test_engine_requests_and_images():
    request = LLMRequest(
        model="m",
        messages=(
            Message(
                "user", ({"type": "text", "text": "What is this?"}, {"type": "image", "data": b"\x89PNG"})
            ),
        ),
        instructions="Look closely.",
        params={"temperature": 0},
        structured_output=Answer,
    )
    form = canonical_from_request(request, {})
    assert form.prompt == "What is this?"
    assert "\\x89" not in repr(form.stored) and "sha256" in repr(form.stored), "images are kept as digests"
    plain = canonical_from_request(
        LLMRequest(
            model="m", messages=request.messages, instructions="Look closely.", params={"temperature": 0}
        ),
        {},
    )
    assert plain.context_hash != form.context_hash, "the response format is in the partition"


def test_values_without_a_stable_form_are_refused():
    with pytest.raises(TypeError, match="no stable form"):
        canon(context={"x": object()})


texts = st.text(min_size=1, max_size=40)
roles = st.sampled_from(["user", "assistant"])


@settings(max_examples=60, deadline=None)
@given(
    turns=st.lists(st.tuples(roles, texts), min_size=1, max_size=5),
    params=st.dictionaries(
        st.sampled_from(["temperature", "top_p", "seed", "max_tokens"]), st.integers(0, 5)
    ),
    data=st.data(),
)
def test_equivalent_forms_always_share_the_exact_key(turns, params, data):
    plain = {"model": "m", "messages": [{"role": r, "content": t} for r, t in turns], **params}
    variant_messages = []
    for role, text in turns:
        content = [{"type": "text", "text": text}] if data.draw(st.booleans()) else text
        keys = [("role", role), ("content", content)]
        if data.draw(st.booleans()):
            keys.reverse()
        variant_messages.append({(f" {k}" if data.draw(st.booleans()) else k): v for k, v in keys})
    variant_items = list({**params, "model": "m", "messages": variant_messages}.items())
    variant = dict(data.draw(st.permutations(variant_items)))
    assert canonical_from_kwargs(variant, {}).exact_key == canonical_from_kwargs(plain, {}).exact_key
