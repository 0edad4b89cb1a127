"""The engine routes ask_llm through the semantic cache: a new run is answered from it, samples stay honest."""

from __future__ import annotations

import pydantic

import pllm_notebook as pllm
from pllm_notebook import DuckDBStorage, SemanticCache
from pllm_notebook.events import CacheLookup
from pllm_notebook.providers import LLMRequest, Provider, ProviderReply


def ask(directory, agent: str, prompt: str, **options):
    """One run of a script: a new agent asks once; returns [(answer, source, similarity)]."""
    with pllm.resume_directory(directory, **options) as orch:
        conv = orch.agent(agent).get_msg_state()
        conv.ask_llm(prompt)
        return [(conv[-1].final_answer, conv[-1].source, conv[-1].similarity)]


def test_resume_directory_with_semantic_cache_answers_a_new_run(resume_dir, events):
    [(first, source, _)] = ask(resume_dir, "a", "What is the capital of France?", semantic_cache=True)
    assert source == "live"
    [(again, source, similarity)] = ask(
        resume_dir, "b", "What is the capital of France?", semantic_cache=True
    )
    assert (again, source, similarity) == (first, "exact", 1.0)
    [(para, source, similarity)] = ask(
        resume_dir, "c", "what is the capital city of France?", semantic_cache=True
    )
    assert (para, source) == (first, "semantic")
    assert 0.9 < similarity < 1.0
    lookups = [e for e in events if isinstance(e, CacheLookup)]
    assert [e.outcome for e in lookups] == ["miss", "exact", "semantic"]
    assert {e.directory for e in lookups} == {str(resume_dir.resolve())}


def test_a_semantic_cache_instance_is_used_as_given(resume_dir, tmp_path, real_embedder):
    cache = SemanticCache(storage=DuckDBStorage(tmp_path / "shared-cache"), embedder=real_embedder)
    ask(resume_dir, "a", "How do I sort a list in Python?", semantic_cache=cache)
    [(_, source, similarity)] = ask(
        tmp_path / "other-run", "b", "How can I sort a Python list?", semantic_cache=cache
    )
    assert source == "semantic" and similarity > 0.8
    assert cache.stats().semantic_hits == 1


def test_the_kth_occurrence_gets_the_kth_sample(resume_dir, real_embedder, tmp_path):
    cache = SemanticCache(storage=DuckDBStorage(tmp_path / "cache"), embedder=real_embedder)

    def run(directory, agent):
        with pllm.resume_directory(directory, semantic_cache=cache) as orch:
            conv = orch.agent(agent).get_msg_state()
            out = []
            for _ in range(3 if agent == "y" else 2):  # the same request, asked again from the same state
                conv.clear()
                out.append(conv.ask_llm("Tell me a joke."))
            return [(r.final_answer, r.source) for r in out]

    first = run(tmp_path / "run1", "x")
    assert [s for _, s in first] == ["live", "live"]
    assert first[0][0] != first[1][0], "two live samples differ"
    second = run(tmp_path / "run2", "y")
    assert second[:2] == [(first[0][0], "exact"), (first[1][0], "exact")]
    assert second[2][1] == "live", "a third sample was never stored, so it goes live"
    assert cache.namespaces() == {"default": 3}


def test_concurrent_strategy_shares_the_cache_across_threads(resume_dir, tmp_path, real_embedder):
    cache = SemanticCache(storage=DuckDBStorage(tmp_path / "cache"), embedder=real_embedder)
    prompts = [f"Give me fact number {i} about the sea." for i in range(6)]

    def run(directory):
        with pllm.resume_directory(directory, semantic_cache=cache, strategy="concurrent") as orch:
            convs = [orch.agent(f"a{i}").get_msg_state() for i in range(len(prompts))]
            answers = [conv.ask_llm(p) for conv, p in zip(convs, prompts, strict=True)]
            return [(a.final_answer, a.source) for a in answers]

    first = run(tmp_path / "run1")
    second = run(tmp_path / "run2")
    assert {s for _, s in first} == {"live"}
    assert second == [(answer, "exact") for answer, _ in first]


class City(pydantic.BaseModel):
    name: str
    country: str


class StructuredProvider(Provider):
    """Answers structured requests with a parsed object, as the SDK providers do."""

    name = "structured"
    default_model = "structured-1"

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, request: LLMRequest) -> ProviderReply:
        self.calls += 1
        city = request.structured_output(name="Paris", country="France")
        return ProviderReply(city.model_dump_json(), request.model, 10, 5, parsed=city)


def test_structured_output_comes_back_as_the_same_type(tmp_path, real_embedder):
    cache = SemanticCache(storage=DuckDBStorage(tmp_path / "cache"), embedder=real_embedder)
    provider = StructuredProvider()
    for run, prompt in (
        ("run1", "Which city is the capital of France?"),
        ("run2", "What city is France's capital?"),
    ):
        with pllm.resume_directory(tmp_path / run, provider=provider, semantic_cache=cache) as orch:
            answer = orch.agent("a").get_msg_state().ask_llm(prompt, structured_output=City)
            assert type(answer.output_parsed) is City and answer.output_parsed.name == "Paris"
    assert provider.calls == 1 and answer.source == "semantic"
