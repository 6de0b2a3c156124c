"""embed()'s encodings: base64 float32 asked for and decoded by default, float lists accepted,
a format the caller names left alone, and the vectors as a numpy array."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import respx

from railwail import AsyncRailwail, Railwail, ResponseValidationError
from railwail import _embeddings as embeddings
from railwail.testing import FakeGateway
from railwail.types import EmbeddingResponse

MODEL = "text-embedding-3-small"
HEADERS = {"x-request-id": "req_emb"}
# float32 values (so that base64 float32 carries them exactly), in input order.
VECTORS = [
    [0.5, -1.25, 3.0, 0.0],
    list(struct.unpack("<4f", struct.pack("<4f", 0.1, -0.2, 1e-30, 3.4e38))),
    [-0.0, 2.0, -8.5, 0.75],
]


def _packed(vector: list[float], byte_order: str = "<") -> str:
    return base64.b64encode(struct.pack(f"{byte_order}{len(vector)}f", *vector)).decode()


def _answer(items: list[Any], order: tuple[int, ...] = (2, 0, 1)) -> dict[str, Any]:
    """An embeddings answer with its items in another order than the inputs."""
    data = [{"object": "embedding", "index": i, "embedding": items[i]} for i in order]
    return {"object": "list", "data": data, "model": MODEL, "usage": {"total_tokens": 3}}


def _sent(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def _mock(gw: respx.MockRouter, answer: dict[str, Any]) -> respx.Route:
    return gw.post("/embeddings").respond(200, json=answer, headers=HEADERS)


# -- what is sent ------------------------------------------------------------------------------


def test_base64_is_asked_for_and_decoded(gw: respx.MockRouter, client: Railwail) -> None:
    route = _mock(gw, _answer([_packed(v) for v in VECTORS]))
    res = client.embed(MODEL, ["a", "b", "c"])
    assert _sent(route) == {"model": MODEL, "input": ["a", "b", "c"], "encoding_format": "base64"}
    assert res.vectors == VECTORS
    assert [item.embedding for item in res.data] == [VECTORS[2], VECTORS[0], VECTORS[1]]
    assert all(type(x) is float for item in res.data for x in item.embedding)
    assert res.request_id == "req_emb"


def test_a_float_list_answer_is_read_as_well(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, _answer(VECTORS))
    res = client.embed(MODEL, ["a", "b", "c"])
    assert res.vectors == VECTORS


def test_a_mixed_answer_is_read_item_by_item(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, _answer([VECTORS[0], _packed(VECTORS[1]), VECTORS[2]]))
    res = client.embed(MODEL, ["a", "b", "c"])
    assert res.vectors == VECTORS
    assert res.to_numpy().tolist() == VECTORS


@pytest.mark.parametrize(
    ("kwargs", "sent_format"),
    [
        ({"encoding_format": "float"}, "float"),
        ({"extra_body": {"encoding_format": "float"}}, "float"),
        ({"extra_body": {"encoding_format": "int8"}}, "int8"),
        # extra_body wins over the parameter, as for every field.
        ({"encoding_format": "base64", "extra_body": {"encoding_format": "ubinary"}}, "ubinary"),
    ],
)
def test_a_format_the_caller_names_is_sent_and_its_answer_left_alone(
    gw: respx.MockRouter, client: Railwail, kwargs: dict[str, Any], sent_format: str
) -> None:
    odd = _packed(VECTORS[1])  # a string the SDK must not decode: it did not ask for base64
    route = _mock(gw, _answer([VECTORS[0], odd, VECTORS[2]]))
    res = client.embed(MODEL, ["a", "b", "c"], **kwargs)
    assert _sent(route)["encoding_format"] == sent_format
    assert [item.embedding for item in res.data] == [VECTORS[2], VECTORS[0], odd]
    with pytest.raises(ResponseValidationError, match=r"embedding 1 is a string") as info:
        _ = res.vectors
    assert info.value.request_id == "req_emb"
    with pytest.raises(ResponseValidationError, match=r"\.data\[i\]\.embedding"):
        res.to_numpy()


def test_an_explicit_base64_is_decoded_like_the_default(
    gw: respx.MockRouter, client: Railwail
) -> None:
    route = _mock(gw, _answer([_packed(v) for v in VECTORS]))
    res = client.embed(MODEL, ["a", "b", "c"], encoding_format="base64")
    assert _sent(route)["encoding_format"] == "base64"
    assert res.vectors == VECTORS


def test_float_is_kept_as_sent(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, _answer([[1, -2, 3, 4], [0.5, 0.25, 0.0, 1e-45], VECTORS[2]]))
    res = client.embed(MODEL, ["a", "b", "c"], encoding_format="float")
    assert res.vectors == [[1.0, -2.0, 3.0, 4.0], [0.5, 0.25, 0.0, 1e-45], VECTORS[2]]


def test_an_unknown_encoding_format_is_refused_before_sending(
    gw: respx.MockRouter, client: Railwail
) -> None:
    route = _mock(gw, _answer(VECTORS))
    with pytest.raises(ValueError, match=r"encoding_format must be one of 'float', 'base64'"):
        client.embed(MODEL, "a", encoding_format="hex")  # type: ignore[arg-type]
    assert route.call_count == 0


def test_run_passes_the_encoding_format(gw: respx.MockRouter, client: Railwail) -> None:
    route = _mock(gw, _answer(VECTORS))
    assert client.run(MODEL, ["a", "b", "c"], encoding_format="float") == VECTORS
    assert _sent(route)["encoding_format"] == "float"


# -- decoding ----------------------------------------------------------------------------------


def test_big_endian_hosts_swap_the_bytes(
    gw: respx.MockRouter, client: Railwail, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a big-endian host, array("f") reads the gateway's little-endian bytes back to front,
    # and the decoder swaps them. Here, on a little-endian host, the same mismatch comes from
    # a byte-swapped fixture: the swap must turn it into the right floats.
    monkeypatch.setattr(embeddings, "_BIG_ENDIAN_HOST", True)
    _mock(gw, _answer([_packed(v, byte_order=">") for v in VECTORS]))
    assert client.embed(MODEL, ["a", "b", "c"]).vectors == VECTORS
    monkeypatch.setattr(embeddings, "_BIG_ENDIAN_HOST", False)
    assert client.embed(MODEL, ["a", "b", "c"]).vectors != VECTORS  # no swap: other floats


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("not base64!", "embedding 0 is not valid base64"),
        ("AAAA" * 3 + "A", "embedding 0 is not valid base64"),
        (base64.b64encode(b"\x00\x00\x80\x3f\x00").decode(), "5 bytes of base64, not a whole"),
    ],
)
def test_bad_base64_is_a_validation_error(
    gw: respx.MockRouter, client: Railwail, encoded: str, message: str
) -> None:
    _mock(gw, {"data": [{"index": 0, "embedding": encoded}]})
    with pytest.raises(ResponseValidationError, match=message) as info:
        client.embed(MODEL, "a")
    assert info.value.request_id == "req_emb"
    assert info.value.body == encoded


def test_an_answer_that_is_neither_floats_nor_a_string_is_refused(
    gw: respx.MockRouter, client: Railwail
) -> None:
    _mock(gw, {"data": [{"index": 0, "embedding": {"a": 1}}]})
    with pytest.raises(ResponseValidationError, match="not a valid EmbeddingResponse"):
        client.embed(MODEL, "a")


# -- numpy -------------------------------------------------------------------------------------


def test_to_numpy_from_base64_bytes(
    gw: respx.MockRouter, client: Railwail, monkeypatch: pytest.MonkeyPatch
) -> None:
    _mock(gw, _answer([_packed(v) for v in VECTORS]))
    res = client.embed(MODEL, ["a", "b", "c"])
    # Straight from the decoded bytes, not through the lists of Python floats.
    monkeypatch.setattr(
        EmbeddingResponse, "vectors", property(lambda self: pytest.fail("read .vectors"))
    )
    array = res.to_numpy()
    assert array.shape == (3, 4)
    assert array.dtype == np.float32
    assert array.dtype.isnative
    assert array.tolist() == VECTORS
    array[0, 0] = 7.0  # the caller owns it
    assert array[0, 0] == 7.0


def test_to_numpy_from_float_lists(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, _answer(VECTORS))
    array = client.embed(MODEL, ["a", "b", "c"], encoding_format="float").to_numpy()
    assert array.dtype == np.float32
    assert array.tolist() == VECTORS


def test_to_numpy_of_ragged_or_empty_answers(gw: respx.MockRouter, client: Railwail) -> None:
    _mock(gw, _answer([_packed(VECTORS[0]), _packed(VECTORS[1][:3]), _packed(VECTORS[2])]))
    with pytest.raises(ValueError, match="not all of the same length"):
        client.embed(MODEL, ["a", "b", "c"]).to_numpy()
    _mock(gw, {"data": []})
    assert client.embed(MODEL, "a").to_numpy().shape == (0, 0)


def test_to_numpy_without_numpy_names_the_extra(
    gw: respx.MockRouter, client: Railwail, monkeypatch: pytest.MonkeyPatch
) -> None:
    _mock(gw, _answer([_packed(v) for v in VECTORS]))
    res = client.embed(MODEL, ["a", "b", "c"])
    monkeypatch.setitem(sys.modules, "numpy", None)  # "import numpy" now fails
    with pytest.raises(ImportError, match=r"pip install 'railwail\[numpy\]'"):
        res.to_numpy()
    assert res.vectors == VECTORS  # everything else works without it


def test_embeddings_never_import_numpy() -> None:
    code = f"""
import sys, json, base64, struct
import httpx, railwail
def answer(request):
    vector = base64.b64encode(struct.pack("<2f", 0.5, 1.5)).decode()
    return httpx.Response(200, json={{"data": [{{"index": 0, "embedding": vector}}]}})
http = httpx.Client(transport=httpx.MockTransport(answer))
with railwail.Railwail("rw_test_key", base_url="http://127.0.0.1:9", http_client=http) as rw:
    assert rw.embed({MODEL!r}, "a").vectors == [[0.5, 1.5]]
print("numpy" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# -- async -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_base64_is_asked_for_and_decoded(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    route = _mock(gw, _answer([_packed(v) for v in VECTORS]))
    res = await aclient.embed(MODEL, ["a", "b", "c"])
    assert isinstance(res, EmbeddingResponse)
    assert _sent(route)["encoding_format"] == "base64"
    assert res.vectors == VECTORS
    assert res.to_numpy().tolist() == VECTORS


@pytest.mark.anyio
async def test_async_named_format_is_left_alone(
    gw: respx.MockRouter, aclient: AsyncRailwail
) -> None:
    odd = _packed(VECTORS[0])
    route = _mock(gw, {"data": [{"index": 0, "embedding": odd}]})
    res = await aclient.embed(MODEL, "a", extra_body={"encoding_format": "binary"})
    assert _sent(route) == {"model": MODEL, "input": "a", "encoding_format": "binary"}
    assert res.data[0].embedding == odd


@pytest.mark.anyio
async def test_async_refuses_an_unknown_encoding_format(aclient: AsyncRailwail) -> None:
    with pytest.raises(ValueError, match="encoding_format must be one of"):
        await aclient.embed(MODEL, "a", encoding_format="int8")  # type: ignore[arg-type]


# -- against the emulator, over a socket -------------------------------------------------------


def test_the_emulator_agrees_with_both_encodings(fake_gateway: FakeGateway) -> None:
    # The emulator packs little-endian float32 when asked for base64, as the OpenAI API does
    # (and as the openai package decodes it); its float lists are the unrounded values.
    with Railwail(fake_gateway.api_key, base_url=fake_gateway.url) as rw:
        packed = rw.embed(MODEL, ["alpha", "beta"], dimensions=8)
        floats = rw.embed(MODEL, ["alpha", "beta"], dimensions=8, encoding_format="float")
    sent = [r.json()["encoding_format"] for r in fake_gateway.requests_to("/embeddings")]
    assert sent == ["base64", "float"]
    rounded = [list(struct.unpack("<8f", struct.pack("<8f", *v))) for v in floats.vectors]
    assert packed.vectors == rounded
    assert packed.to_numpy().tolist() == rounded
