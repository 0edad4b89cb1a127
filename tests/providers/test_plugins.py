"""Plugins through entry points: the built-in providers resolve that way, and so does a package someone
else wrote, installed with pip and used by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import pllm_notebook as pllm
from pllm_notebook.cache import FastEmbedEmbedder, SemanticCache, embedder_names, get_embedder
from pllm_notebook.errors import ConfigError, UnknownProviderError
from pllm_notebook.plugins import EMBEDDERS, PROVIDERS, declared
from pllm_notebook.providers import get_provider, provider_names
from pllm_notebook.providers.offline import OfflineProvider

BUILT_IN = {"offline", "openai", "openai-chat", "openai-compatible", "anthropic", "google", "multi"}

PLUGIN_MODULE = '''
"""A provider and an embedder that live outside pllm_notebook."""
from pllm_notebook.providers import LLMRequest, Provider, ProviderReply


class ReverseProvider(Provider):
    name = "thirdparty"
    default_model = "reverse-1"

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def complete(self, request: LLMRequest) -> ProviderReply:
        text = self.prefix + request.last_user_text[::-1]
        return ProviderReply(text=text, model=request.model, input_tokens=1, output_tokens=1)


class CountingEmbedder:
    model_id = "letter-count"

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [[float(t.count("a")) + 1.0, float(len(t))] for t in texts]
'''

PLUGIN_PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "pllm-thirdparty-plugin"
version = "0.1"

[project.entry-points."pllm_notebook.providers"]
thirdparty = "pllm_thirdparty:ReverseProvider"

[project.entry-points."pllm_notebook.embedders"]
letters = "pllm_thirdparty:CountingEmbedder"
"""

USE_IT = """
import json, sys
import pllm_notebook as pllm
from pllm_notebook.cache import get_embedder
with pllm.resume_directory(sys.argv[1], provider="thirdparty", prefix=">") as orch:
    answer = orch.agent("a").get_msg_state().ask_llm("hello")
embedder = get_embedder("letters")
print(json.dumps({"answer": answer.final_answer, "provider": answer.provider,
                  "model_id": embedder.model_id, "vectors": embedder.embed(["aa"])}))
"""


def test_built_in_providers_and_embedders_are_entry_points():
    assert set(declared(PROVIDERS)) >= BUILT_IN and set(provider_names()) >= BUILT_IN
    assert declared(PROVIDERS)["offline"].value == "pllm_notebook.providers.offline:OfflineProvider"
    assert isinstance(get_provider("offline"), OfflineProvider)
    assert {"fastembed", "sentence-transformers"} <= set(declared(EMBEDDERS)) == set(embedder_names())
    assert isinstance(get_embedder("fastembed"), FastEmbedEmbedder)


def test_register_provider_wins_over_an_entry_point(resume_dir):
    class Fixed(OfflineProvider):
        name = "offline"

    pllm.register_provider("offline", Fixed)
    try:
        assert type(get_provider("offline")) is Fixed
    finally:
        pllm.unregister_provider("offline")
    assert type(get_provider("offline")) is OfflineProvider


def test_a_factory_that_builds_no_provider_is_a_clear_error():
    pllm.register_provider("not-one", dict)
    try:
        with pytest.raises(UnknownProviderError, match="built a dict, not a pllm_notebook Provider"):
            get_provider("not-one")
    finally:
        pllm.unregister_provider("not-one")


def test_an_unknown_name_says_how_to_declare_one():
    with pytest.raises(UnknownProviderError, match='entry point in the group "pllm_notebook.providers"'):
        get_provider("nope")
    with pytest.raises(ConfigError, match="unknown embedder 'nope'; choose one of .*fastembed"):
        get_embedder("nope")


def test_an_embedder_and_a_storage_that_are_not_say_what_they_lack():
    class NoModel:
        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[1.0] for _ in texts]

    with pytest.raises(ConfigError, match="NoModel is not an Embedder: it lacks a str `model_id`"):
        SemanticCache(embedder=NoModel())

    class HalfStorage:
        def store(self, entry) -> None: ...

    with pytest.raises(
        ConfigError, match="HalfStorage is not a StorageBackend .it lacks clear, invalidate_names"
    ):
        SemanticCache(storage=HalfStorage(), embedder=get_embedder("fastembed"))


def test_a_third_party_package_installed_with_pip_is_used_by_name(tmp_path):
    package = tmp_path / "plugin"
    package.mkdir()
    (package / "pyproject.toml").write_text(textwrap.dedent(PLUGIN_PYPROJECT))
    (package / "pllm_thirdparty.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    site = tmp_path / "site"
    install = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-build-isolation",
        "--no-deps",
        "--no-index",
    ]
    subprocess.run(
        [*install, "--target", str(site), str(package)], check=True, capture_output=True, cwd=tmp_path
    )
    assert "thirdparty" not in provider_names()  # installed elsewhere: this process does not see it

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
    }
    code = ["-c", USE_IT, str(tmp_path / "resume")]
    proc = subprocess.run([sys.executable, *code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["answer"] == ">olleh" and seen["provider"] == "thirdparty"
    assert seen["model_id"] == "letter-count" and seen["vectors"] == [[3.0, 2.0]]
