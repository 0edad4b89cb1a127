"""Property tests: canonical hashing and request partitioning never confuse two requests, and never crash."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pllm_notebook.cache import CacheConfig, SemanticCache, ThreadSafeInMemoryStorage
from pllm_notebook.cache.canonical import canonical_from_kwargs
from pllm_notebook.hashing import CanonicalEncodingError, canonical_bytes, stable_hash

from .cheap_embedder import HashEmbedder

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.binary(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        | st.frozensets(st.text(max_size=5) | st.integers(), max_size=4)
    ),
    max_leaves=20,
)


def strict_form(value):
    """What canonical hashing promises to tell apart: types (1 vs True vs 1.0), lists = tuples, one NaN."""
    if value is None:
        return ("N",)
    if isinstance(value, bool):
        return ("B", value)
    if isinstance(value, int):
        return ("I", value)
    if isinstance(value, float):
        return ("F", "nan" if math.isnan(value) else repr(value))
    if isinstance(value, str):
        return ("S", value)
    if isinstance(value, bytes):
        return ("Y", value)
    if isinstance(value, dict):
        return ("D", frozenset((strict_form(k), strict_form(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("L", tuple(strict_form(v) for v in value))
    if isinstance(value, frozenset):
        return ("T", frozenset(strict_form(v) for v in value))
    raise AssertionError(type(value))


@SETTINGS
@given(values, values)
def test_two_values_share_an_encoding_only_if_they_are_the_same_value(a, b):
    assert (canonical_bytes(a) == canonical_bytes(b)) == (strict_form(a) == strict_form(b))


@SETTINGS
@given(st.dictionaries(st.text(max_size=8), values, max_size=6), st.randoms())
def test_dict_order_and_list_or_tuple_never_change_the_hash(mapping, rnd):
    items = list(mapping.items())
    rnd.shuffle(items)
    assert stable_hash(dict(items)) == stable_hash(mapping)
    as_list = list(mapping.values())
    assert stable_hash(as_list) == stable_hash(tuple(as_list))


@SETTINGS
@given(
    st.lists(st.text(max_size=6), min_size=1, max_size=5),
    st.lists(st.text(max_size=6), min_size=1, max_size=5),
)
def test_concatenation_never_collides(a, b):
    assume(a != b)
    assert stable_hash(a) != stable_hash(b)


class Unpicklable:
    def __reduce__(self):
        raise TypeError("no pickling")


@pytest.mark.parametrize(
    "value",
    [object(), threading.Lock(), lambda: 1, Unpicklable(), {"deep": [[[[object()]]]]}],
    ids=["object", "lock", "lambda", "unpicklable", "nested-object"],
)
def test_a_value_with_no_canonical_form_raises_a_clear_error(value):
    with pytest.raises(CanonicalEncodingError, match="cannot hash a value of type"):
        stable_hash(value)


def test_deep_nesting_raises_a_clear_error_not_a_recursion_error():
    value: object = "leaf"
    for _ in range(5000):
        value = [value]
    with pytest.raises(CanonicalEncodingError, match="nested more than"):
        stable_hash(value)


# -- request partitioning -----------------------------------------------------------------------------

words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
contexts = st.dictionaries(names, st.integers() | st.text(max_size=10) | st.booleans(), max_size=3)


def _request(model, system, prompt, temperature, earlier=()):
    messages = [{"role": "system", "content": system}] if system is not None else []
    for turn in earlier:
        messages += [{"role": "user", "content": turn}, {"role": "assistant", "content": "ok"}]
    messages.append({"role": "user", "content": prompt})
    return {"model": model, "messages": messages, "temperature": temperature}


@SETTINGS
@given(
    st.tuples(names, st.none() | words, words, st.sampled_from([0.0, 0.5, 1.0]), contexts),
    st.tuples(names, st.none() | words, words, st.sampled_from([0.0, 0.5, 1.0]), contexts),
)
def test_different_requests_never_share_a_key(one, two):
    assume(one != two)
    a = canonical_from_kwargs(_request(*one[:4]), one[4])
    b = canonical_from_kwargs(_request(*two[:4]), two[4])
    assert a.exact_key != b.exact_key
    if one[:2] + one[3:] != two[:2] + two[3:]:
        assert a.context_hash != b.context_hash, "model, system, temperature or context differ"


@SETTINGS
@given(names, words, words, contexts, st.randoms())
def test_equivalent_forms_always_share_a_key(model, system, prompt, context, rnd):
    plain = canonical_from_kwargs(_request(model, system, prompt, 0.0), context)
    kwargs = _request(model, None, [{"type": "text", "text": prompt}], 0.0)
    kwargs.update(system=system, api_key="sk-test-" + "x" * 20, timeout=30, top_p=None)
    items = list(kwargs.items())
    rnd.shuffle(items)
    shuffled_context = list(context.items())
    rnd.shuffle(shuffled_context)
    other = canonical_from_kwargs(dict(items), dict(shuffled_context))
    assert (other.context_hash, other.exact_key) == (plain.context_hash, plain.exact_key)


def _nested(depth):
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.fixture(scope="module")
def cached_call():
    calls = []
    cache = SemanticCache(ThreadSafeInMemoryStorage(), CacheConfig(threshold=0.95), embedder=HashEmbedder())

    def llm(**kwargs):
        calls.append(kwargs)
        return {"text": f"answer {len(calls)}"}

    return cache, cache.wrap(llm)


ODD_INPUTS = {
    "unicode": ({}, {"messages": [{"role": "user", "content": "héllo 世界 🎉 \u200b\u0000"}]}),
    "lone-surrogate": ({}, {"messages": [{"role": "user", "content": "\ud800 broken"}]}),
    "empty-prompt": ({}, {"messages": [{"role": "user", "content": ""}]}),
    "no-messages": ({}, {"messages": []}),
    "huge-prompt": ({}, {"messages": [{"role": "user", "content": "word " * 400_000}]}),
    "nested-context-150": (_nested(150), {}),
    "nested-context-5000": (_nested(5000), {}),
    "nan": ({"x": float("nan")}, {"temperature": float("nan")}),
    "bytes": ({"blob": b"\x00\xff" * 100}, {}),
    "unpicklable-context": ({"lock": threading.Lock()}, {}),
    "lambda-param": ({}, {"tool_choice": lambda: 1}),
    "unpicklable-object": ({"x": Unpicklable()}, {}),
}


@pytest.mark.parametrize("name", list(ODD_INPUTS))
def test_no_input_crashes_the_cache(cached_call, name):
    cache, call = cached_call
    context, extra = ODD_INPUTS[name]
    kwargs = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **extra}
    errors_before = cache.stats().errors
    first = call(cache_context=context, **kwargs)
    assert first["text"].startswith("answer")
    second = call(cache_context=context, **kwargs)
    if cache.stats().errors > errors_before:
        assert second != first, "a request the cache could not key went live, and was never served"
    else:
        assert second == first, "a request the cache could key is served from it the second time"
