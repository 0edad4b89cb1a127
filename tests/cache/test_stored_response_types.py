"""A stored response names its class; a lookup must never import or call arbitrary code because of it."""

from __future__ import annotations

import pydantic
import pytest

from pllm_notebook.cache.responses import decode_response, encode_response


class Answer(pydantic.BaseModel):
    text: str


def test_a_pydantic_response_comes_back_as_its_class():
    assert decode_response(encode_response(Answer(text="hi"))) == Answer(text="hi")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("some_module_nobody_imported:Thing", "not imported"),
        ("os:system", "not a pydantic model"),
    ],
)
def test_a_tampered_type_name_is_refused(name, message):
    with pytest.raises(TypeError, match=message):
        decode_response({"format": "pydantic", "type": name, "data": {}})
