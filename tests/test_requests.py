"""Argument checks, once, against the pure request builders in ``railwail._requests`` (and the
per-call options of ``railwail._call_options``): the error type and message for each bad
value, and the request a builder describes for good ones.

Both clients call these builders before any I/O; each endpoint's own test file has one test per
client method (both twins) proving that a failed check sends nothing.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from railwail._call_options import CallOptions, call_options, check_timeout
from railwail._requests import (
    RequestSpec,
    chat_request,
    download_request,
    embed_request,
    get_model_request,
    image_request,
    list_models_params,
)

OPTIONS = CallOptions()
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}]

Case = tuple[dict[str, Any], type[Exception], str]


def _refused(build: Any, error: type[Exception], message: str, **kwargs: Any) -> None:
    """``build(**kwargs)`` raises exactly ``error`` (not a subclass) with ``message``."""
    with pytest.raises(error, match=message) as info:
        build(**kwargs)
    assert type(info.value) is error


# -- image_request --------------------------------------------------------------------------

IMAGE_BAD: list[Case] = [
    ({"prompt": ""}, ValueError, r"prompt must be a non-empty string"),
    ({"prompt": "   \n\t"}, ValueError, r"prompt must be a non-empty string"),
    ({"prompt": 42}, TypeError, r"prompt must be a string; got int"),
    ({"prompt": None}, TypeError, r"prompt must be a string; got NoneType"),
    ({"prompt": ["a", "b"]}, TypeError, r"prompt must be a string; got list"),
    ({"model": ""}, ValueError, r"model must be a non-empty model slug"),
    ({"model": "  "}, ValueError, r"model must be a non-empty model slug"),
    ({"model": 3}, TypeError, r"model must be a model slug string"),
    ({"n": 0}, ValueError, r"n must be an integer from 1 to 4; got 0"),
    ({"n": 5}, ValueError, r"n must be an integer from 1 to 4; got 5"),
    ({"n": -1}, ValueError, r"n must be an integer from 1 to 4; got -1"),
    ({"n": True}, TypeError, r"n must be an integer from 1 to 4; got True"),
    ({"n": "2"}, TypeError, r"n must be an integer from 1 to 4; got '2'"),
    ({"n": 2.0}, TypeError, r"n must be an integer from 1 to 4; got 2.0"),
    ({"size": 1024}, TypeError, r"size must be a string such as '1024x1024'; got 1024"),
    ({"size": "1024"}, ValueError, r"size must be 'WIDTHxHEIGHT'.*1024x1024.*got '1024'"),
    ({"size": "big"}, ValueError, r"size must be 'WIDTHxHEIGHT'.*got 'big'"),
    ({"size": "1024x"}, ValueError, r"size must be 'WIDTHxHEIGHT'.*got '1024x'"),
    ({"size": "0x10"}, ValueError, r"size must be 'WIDTHxHEIGHT'.*got '0x10'"),
    ({"size": "1024X1024"}, ValueError, r"size must be 'WIDTHxHEIGHT'.*got '1024X1024'"),
    ({"size": " 1024x1024"}, ValueError, r"size must be 'WIDTHxHEIGHT'"),
    ({"size": "1024x1024\n"}, ValueError, r"size must be 'WIDTHxHEIGHT'"),
    ({"quality": "ultra"}, ValueError, r"quality must be one of 'standard', 'hd'; got 'ultra'"),
    ({"quality": "HD"}, ValueError, r"quality must be one of 'standard', 'hd'; got 'HD'"),
    ({"style": "anime"}, ValueError, r"style must be one of 'vivid', 'natural'; got 'anime'"),
    (
        {"response_format": "png"},
        ValueError,
        r"response_format must be one of 'url', 'b64_json'; got 'png'",
    ),
    ({"negative_prompt": ""}, ValueError, r"negative_prompt must be a non-empty string"),
    ({"negative_prompt": 7}, TypeError, r"negative_prompt must be a string; got int"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), IMAGE_BAD)
def test_image_request_refuses(
    overrides: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {"model": "flux-schnell", "prompt": "a cat", **overrides}
    _refused(image_request, error, message, options=OPTIONS, **args)


def test_image_size_message_lists_the_documented_sizes() -> None:
    with pytest.raises(ValueError, match="size") as info:
        image_request("flux-schnell", "p", size="big", options=OPTIONS)
    for documented in ("256x256", "512x512", "1024x1024", "1024x1792", "1792x1024"):
        assert documented in str(info.value)


@pytest.mark.parametrize("size", ["256x256", "1024x1792", "1792x1024", "768x1344"])
def test_image_request_takes_any_width_x_height(size: str) -> None:
    # Models accept sizes beyond the documented five; the SDK checks the shape only.
    spec = image_request("flux-dev", "p", size=size, options=OPTIONS)
    assert (spec.method, spec.path) == ("POST", "/images/generations")
    assert spec.json == {"model": "flux-dev", "prompt": "p", "size": size}


# -- chat_request ---------------------------------------------------------------------------

CHAT_BAD: list[Case] = [
    ({"messages": []}, ValueError, "messages must not be empty"),
    ({"messages": "hi"}, TypeError, "messages must be a list"),
    ({"messages": ["hi"]}, TypeError, r"messages\[0\] must be a dict"),
    ({"messages": [{"role": "robot", "content": "x"}]}, ValueError, r"messages\[0\]\['role'\]"),
    ({"messages": [{"content": "x"}]}, ValueError, "must be one of 'system'"),
    ({"messages": [{"role": "user"}]}, ValueError, r"messages\[0\] has no 'content'"),
    ({"messages": [{"role": "user", "content": 3}]}, TypeError, "must be a string or a list"),
    ({"temperature": 2.5}, ValueError, "temperature must be from 0 to 2"),
    ({"temperature": -0.1}, ValueError, "temperature must be from 0 to 2"),
    ({"temperature": "hot"}, TypeError, "temperature must be a number"),
    ({"top_p": 1.5}, ValueError, "top_p must be from 0 to 1"),
    ({"frequency_penalty": 3}, ValueError, "frequency_penalty must be from -2 to 2"),
    ({"presence_penalty": -2.1}, ValueError, "presence_penalty must be from -2 to 2"),
    ({"max_tokens": 0}, ValueError, "max_tokens must be an integer of at least 1"),
    ({"max_tokens": True}, TypeError, "max_tokens must be an integer"),
    ({"stop": ["a", "b", "c", "d", "e"]}, ValueError, "stop must be a string or a list of 1 to 4"),
    ({"stop": []}, ValueError, "stop must be"),
    ({"stream": "yes"}, TypeError, "stream must be True or False"),
    ({"model": ""}, ValueError, "model must be a non-empty model slug"),
    ({"model": None}, TypeError, "model must be a model slug string"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), CHAT_BAD)
def test_chat_request_refuses(
    overrides: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {"model": "gpt-4o", "messages": MESSAGES, **overrides}
    _refused(chat_request, error, message, options=OPTIONS, **args)


@pytest.mark.parametrize(("stream", "body"), [(False, {}), (True, {"stream": True})])
def test_chat_request_streams_only_when_asked(stream: bool, body: dict[str, Any]) -> None:
    spec = chat_request("gpt-4o", MESSAGES, stream=stream, options=OPTIONS)
    assert (spec.method, spec.path, spec.stream) == ("POST", "/chat/completions", stream)
    assert spec.json == {"model": "gpt-4o", "messages": MESSAGES, **body}


# -- embed_request --------------------------------------------------------------------------

EMBED_BAD: list[Case] = [
    ({"input": ""}, ValueError, "input must be a non-empty string"),
    ({"input": []}, ValueError, "non-empty list of strings"),
    ({"input": ["a", 1]}, TypeError, r"input\[1\] must be a string"),
    ({"input": ["a", ""]}, ValueError, r"input\[1\] must be a non-empty string"),
    ({"input": b"bytes"}, TypeError, "input must be a string or a list of strings"),
    ({"input": 42}, TypeError, "input must be a string or a list of strings"),
    ({"dimensions": 0}, ValueError, "dimensions must be an integer of at least 1"),
    ({"dimensions": 1.5}, TypeError, "dimensions must be an integer of at least 1"),
    ({"model": ""}, ValueError, "model must be a non-empty model slug"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), EMBED_BAD)
def test_embed_request_refuses(
    overrides: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {"model": "text-embedding-3-small", "input": "a", **overrides}
    _refused(embed_request, error, message, options=OPTIONS, **args)


# -- the model catalogue --------------------------------------------------------------------

LIST_BAD: list[Case] = [
    ({"category": "music"}, ValueError, "category must be one of 'text', 'image'"),
    ({"page_size": 0}, ValueError, "page_size must be an integer from 1 to 100"),
    ({"page_size": 101}, ValueError, "page_size must be an integer from 1 to 100"),
    ({"page_size": "10"}, TypeError, "page_size must be an integer from 1 to 100"),
    ({"featured": "yes"}, TypeError, "featured must be True, False or None"),
    ({"provider": ""}, ValueError, "provider must be a non-empty string"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), LIST_BAD)
def test_list_models_params_refuses(
    overrides: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {
        "category": None,
        "provider": None,
        "featured": None,
        "page_size": 50,
        **overrides,
    }
    _refused(list_models_params, error, message, **args)


@pytest.mark.parametrize(
    ("slug", "error", "message"),
    [
        ("", ValueError, "model must be a non-empty model slug"),
        (" ", ValueError, "model must be a non-empty model slug"),
        (None, TypeError, "model must be a model slug string"),
    ],
)
def test_get_model_request_refuses(slug: object, error: type[Exception], message: str) -> None:
    _refused(get_model_request, error, message, slug=slug, options=OPTIONS)


# -- the per-call options every method takes ------------------------------------------------

OPTIONS_BAD: list[Case] = [
    ({"timeout": None}, ValueError, r"timeout=None would wait forever.*httpx\.Timeout\(None\)"),
    ({"timeout": 0}, ValueError, "timeout must be a positive, finite number of seconds; got 0"),
    ({"timeout": True}, TypeError, r"timeout must be a number of seconds or an httpx\.Timeout"),
    ({"idempotency_key": ""}, ValueError, "idempotency_key must be a non-empty string"),
    ({"idempotency_key": 42}, ValueError, "idempotency_key must be a non-empty string; got 42"),
    ({"extra_headers": {"X-A": 1}}, TypeError, "extra_headers must be a mapping of str to str"),
    ({"extra_headers": {"x": None}}, TypeError, "extra_headers must be a mapping of str to str"),
    ({"extra_query": {1: "x"}}, TypeError, "extra_query must be a mapping with str keys"),
    ({"extra_body": {1: "x"}}, TypeError, "extra_body must be a mapping with str keys"),
    ({"extra_body": ["x"]}, TypeError, "extra_body must be a mapping with str keys; got list"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), OPTIONS_BAD)
def test_call_options_refuse(
    overrides: dict[str, Any], error: type[Exception], message: str
) -> None:
    _refused(call_options, error, message, **overrides)


# -- timeouts, per call and per client ------------------------------------------------------


@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5, math.inf, math.nan])
def test_timeout_must_be_positive_and_finite(value: float) -> None:
    _refused(check_timeout, ValueError, "timeout must be a positive, finite number", value=value)


@pytest.mark.parametrize("value", [True, False, "30", [30]])
def test_timeout_of_wrong_type(value: object) -> None:
    message = r"timeout must be a number of seconds or an httpx\.Timeout"
    _refused(check_timeout, TypeError, message, value=value)


def test_timeout_values_that_are_kept() -> None:
    assert check_timeout(12.5) == httpx.Timeout(12.5)
    assert check_timeout(3) == httpx.Timeout(3.0)
    custom = httpx.Timeout(30.0, connect=2.0)
    assert check_timeout(custom) is custom
    unlimited = httpx.Timeout(None)  # asked for explicitly: passed through
    assert check_timeout(unlimited) is unlimited


# -- download_request -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.2/a.png", "file:///etc/passwd", "javascript:alert(1)", "/a.png"]
)
def test_download_request_refuses_what_is_not_http(url: str) -> None:
    _refused(download_request, ValueError, r"image url must be an http\(s\) URL", url=url)


def test_download_request_is_a_get_of_the_absolute_url() -> None:
    # Not a `stream`: that names an event stream; every answer is read as it arrives.
    spec = download_request("http://127.0.0.2:8788/img/a.png")
    assert spec == RequestSpec(
        method="GET", path="http://127.0.0.2:8788/img/a.png", absolute_url=True
    )
