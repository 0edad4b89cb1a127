"""What the redactor removes, and that a bad secret pattern is refused before any call is made."""

from __future__ import annotations

import pytest

import pllm_notebook as pllm
import pllm_notebook.redaction as redaction
from pllm_notebook.errors import ConfigError
from pllm_notebook.redaction import REDACTED, Redactor


def test_known_formats_secret_keys_and_secret_environment_values_are_redacted():
    redactor = Redactor(environ={"ACME_API_KEY": "acme-0000-secret-value", "HOME": "/root/not-a-secret"})
    request = {
        "model": "gpt-4o",
        "params": {
            "api_key": "whatever",
            "max_tokens": 20,
            "extra_headers": {"Authorization": "Bearer abc.def.ghi", "X-Api-Key": "k", "Accept": "json"},
        },
        "messages": [
            {"role": "user", "content": "keys: sk-ant-api03-abcdefghijklmnop and AIza" + "x" * 35},
            {
                "role": "user",
                "content": "token ghp_" + "a" * 30 + " and acme-0000-secret-value, home /root/not-a-secret",
            },
        ],
    }
    clean = redactor(request)
    assert clean["params"]["api_key"] == REDACTED and clean["params"]["max_tokens"] == 20
    assert clean["params"]["extra_headers"] == {
        "Authorization": REDACTED,
        "X-Api-Key": REDACTED,
        "Accept": "json",
    }
    text = " ".join(m["content"] for m in clean["messages"])
    for secret in ("sk-ant-api03", "AIzaxxx", "ghp_aaa", "acme-0000-secret-value"):
        assert secret not in text
    assert "/root/not-a-secret" in text, "values of variables not named like secrets stay"
    assert request["params"]["api_key"] == "whatever", "the caller's request is not changed"


def test_a_configured_pattern_is_redacted(monkeypatch):
    monkeypatch.setattr(redaction, "_default", None)
    monkeypatch.setenv("PLLM_SECRET_PATTERNS", "INTERNAL-[0-9]{4}\nproj_[a-z]{6}")
    assert redaction.redact("ids INTERNAL-1234 and proj_abcdef") == f"ids {REDACTED} and {REDACTED}"
    redaction.add_secret_pattern(r"later-\d+")
    assert redaction.redact({"note": "later-99"}) == {"note": REDACTED}


def test_a_bad_pattern_is_refused_before_any_call(monkeypatch, tmp_path):
    monkeypatch.setattr(redaction, "_default", None)
    monkeypatch.setenv("PLLM_SECRET_PATTERNS", "([unclosed")
    with pytest.raises(ConfigError, match="PLLM_SECRET_PATTERNS"):
        pllm.resume_directory(tmp_path / ".pllm")
    monkeypatch.setattr(redaction, "_default", None)
