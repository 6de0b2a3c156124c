"""Secrets against servers that echo them (issue 9, items 5-7; SPEC section 7): the key is masked
in every field of every error, a header that would break the request is refused before
anything is sent, and a signed download URL's query shows in no download error."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable

import pytest
from hostile_servers import SSE_HEAD, Conn, Request, Server, answer, chunk_event, head, sse

from railwail import (
    APIError,
    AuthenticationError,
    InsufficientCreditsError,
    RailwailError,
    ResponseValidationError,
    ServerError,
)
from railwail.types import Image
from support import MESSAGES, PNG, Client, Twin, collect, read, resolve

pytestmark = pytest.mark.anyio

KEY = "rw_test_EchoedSecretKeyMaterial_51c2"
KEY_PARTS = (KEY, "EchoedSecretKeyMaterial", "EchoedSecret")
SIG = "sig=SignedQuerySecret123"


def fields(err: BaseException) -> str:
    """Every field of an error: str, repr, args and every attribute (``.body``, ``.headers``)."""
    parts = [str(err), repr(err), repr(err.args)]
    parts += [repr(value) for value in vars(err).values()]
    return "\n".join(parts)


def everything(err: BaseException) -> str:
    """All an error tracker could see: the fields, and the traceback with the local variables
    of every frame. (For what the server echoed, the frames that read its answer hold it, as
    any code that reads it does: the fields are what is checked there.)"""
    with_locals = traceback.TracebackException.from_exception(err, capture_locals=True)
    return fields(err) + "\n" + "".join(with_locals.format())


def assert_no_key(text: str) -> None:
    for part in KEY_PARTS:
        assert part not in text


# -- item 5: the key masked in every error --------------------------------------------------


async def test_a_stream_error_event_that_echoes_the_key_is_masked(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    event = {"error": {"message": f"key {KEY} has no credits", "code": "insufficient_credits"}}

    def handler(conn: Conn, request: Request) -> bool:
        conn.send(SSE_HEAD + sse(chunk_event("a")) + b"event: error\n" + sse(event))
        return False

    server = serve(handler)
    rw = client_for(server, api_key=KEY)
    stream = await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    with pytest.raises(InsufficientCreditsError) as info:
        await collect(stream)
    err = info.value
    assert_no_key(fields(err))
    assert err.message == "key ****51c2 has no credits"
    assert err.body == {"error": {**event["error"], "message": "key ****51c2 has no credits"}}
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_a_2xx_page_that_echoes_the_key_is_masked(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    page = f"<html>Welcome, Bearer {KEY}</html>"
    server = serve(
        lambda conn, request: conn.send(answer(200, page, {"Content-Type": "text/html"})) or True
    )
    rw = client_for(server, api_key=KEY)
    with pytest.raises(ResponseValidationError) as info:
        await resolve(rw.chat("gpt-4o", MESSAGES))
    assert_no_key(fields(info.value))
    assert info.value.body == "<html>Welcome, Bearer ****51c2</html>"


async def test_response_headers_that_echo_the_key_are_masked(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    headers = {"X-Echo-Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    body = {"error": {"message": f"bad key {KEY}", "code": "invalid_api_key"}}
    server = serve(lambda conn, request: conn.send(answer(401, body, headers)) or True)
    rw = client_for(server, api_key=KEY)
    with pytest.raises(AuthenticationError) as info:
        await resolve(rw.chat("gpt-4o", MESSAGES))
    err = info.value
    assert_no_key(fields(err))
    assert err.headers["x-echo-authorization"] == "Bearer ****51c2"
    assert err.body == {"error": {"message": "bad key ****51c2", "code": "invalid_api_key"}}
    assert "bad key ****51c2" in str(err)


async def test_a_2xx_stream_answered_with_an_error_that_echoes_the_key_is_masked(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    body = {"error": {"message": f"{KEY} is not allowed", "status": 500}}
    server = serve(lambda conn, request: conn.send(answer(200, body)) or True)
    rw = client_for(server, api_key=KEY, max_retries=0)
    with pytest.raises(ServerError) as info:
        await resolve(rw.chat("gpt-4o", MESSAGES, stream=True))
    assert_no_key(fields(info.value))


# -- item 6: headers checked before anything is sent ------------------------------------------

BAD_VALUES = {
    "crlf": "secret-value\r\nX-Injected: 1",
    "lf": "value\n",
    "nul": "a\0b",
    "non-ascii": "caf\u00e9",
    "control": "a\x07b",
    "leading-space": " padded",
}


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
@pytest.mark.parametrize("where", ["extra_headers", "default_headers", "idempotency_key"])
async def test_a_bad_header_is_refused_before_sending(
    serve: Callable[..., Server],
    client_for: Callable[..., Client],
    twin: Twin,
    where: str,
    kind: str,
) -> None:
    server = serve(lambda conn, request: conn.send(answer(200, {})) or True)
    value = BAD_VALUES[kind]

    async def send_it() -> None:
        if where == "default_headers":
            twin(KEY, base_url=server.base_url, default_headers={"X-Trace": value})
            return
        rw = client_for(server, api_key=KEY)
        option = {"X-Trace": value} if where == "extra_headers" else value
        await resolve(rw.chat("gpt-4o", MESSAGES, **{where: option}))  # type: ignore[call-overload]

    with pytest.raises(ValueError) as info:
        await send_it()
    err = info.value
    assert type(err) is ValueError
    name = "Idempotency-Key" if where == "idempotency_key" else "X-Trace"
    assert str(err).startswith(f"{where}[{name!r}] contains ")
    assert value not in str(err)
    assert "secret-value" not in str(err)
    # No frame holds the request's headers (the key among them): none was built. (The
    # constructor's own frame holds the api_key it was given, as for any constructor error.)
    assert_no_key(fields(err) if where == "default_headers" else everything(err))
    assert server.requests == []  # nothing was sent, nothing retried


@pytest.mark.parametrize("name", ["X Bad", "X:Bad", "X-\u00e9", "", "X\r\nY"])
async def test_a_bad_header_name_is_refused_before_sending(
    serve: Callable[..., Server], client_for: Callable[..., Client], name: str
) -> None:
    server = serve(lambda conn, request: conn.send(answer(200, {})) or True)
    rw = client_for(server, api_key=KEY)
    with pytest.raises(ValueError, match=r"extra_headers has a header name that is not a valid"):
        await resolve(rw.chat("gpt-4o", MESSAGES, extra_headers={name: "v"}))
    assert server.requests == []


async def test_good_headers_go_through_unchanged(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    server = serve(lambda conn, request: conn.send(answer(200, {"choices": []})) or True)
    rw = client_for(server, default_headers={"X-Team": "a b\tc"})
    await resolve(
        rw.chat(
            "gpt-4o", MESSAGES, extra_headers={"X-Odd_Name.1": "!#$%&'*+"}, idempotency_key="k-1"
        )
    )
    sent = server.requests[0].headers
    assert (sent["x-team"], sent["x-odd_name.1"], sent["idempotency-key"]) == (
        "a b\tc",
        "!#$%&'*+",
        "k-1",
    )


# -- item 7: a signed URL's query in no download error ----------------------------------------


def _download_server(
    serve: Callable[..., Server], answer_for: Callable[[Request, str], bytes]
) -> Server:
    def handler(conn: Conn, request: Request) -> bool:
        if request.method == "POST":
            url = f"{server.url}/a.png?{SIG}"
            conn.send(answer(200, {"created": 1, "data": [{"url": url}]}))
        else:
            conn.send(answer_for(request, server.url))
        return True

    server = serve(handler)
    return server


CASES: dict[str, Callable[[Request, str], bytes]] = {
    "redirect-loop": lambda r, url: head(302, {"Location": f"{url}/a.png?{SIG}"}, length=0),
    "redirect-to-ftp": lambda r, url: head(
        302, {"Location": f"ftp://127.0.0.2/a.png?{SIG}"}, length=0
    ),
    "redirect-to-data": lambda r, url: head(
        302, {"Location": f"data:image/png;base64,AAAA?{SIG}"}, length=0
    ),
    "redirect-bad-url": lambda r, url: head(
        302, {"Location": f"http://[::1/a.png?{SIG}"}, length=0
    ),
    "not-found": lambda r, url: answer(
        404,
        f"<Error>No such key a.png?{SIG}</Error>",
        {"Content-Type": "application/xml", "Location": f"{url}?{SIG}"},
    ),
    "html-page": lambda r, url: answer(
        200, f"<html>expired: {r.path}</html>", {"Content-Type": "text/html"}
    ),
    "too-large": lambda r, url: head(200, {"Content-Type": "image/png"}, length=10**9),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_download_errors_never_show_the_signed_query(
    serve: Callable[..., Server], client_for: Callable[..., Client], case: str
) -> None:
    server = _download_server(serve, CASES[case])
    rw = client_for(server, max_retries=0)
    image = (await resolve(rw.image("flux-schnell", "a cat"))).data[0]
    assert image.url == f"{server.url}/a.png?{SIG}"
    with pytest.raises(RailwailError) as info:
        await read(image, rw)
    assert "SignedQuerySecret123" not in fields(info.value)
    assert server.requests[1].path == f"/a.png?{SIG}"  # the signed URL itself was used


async def test_a_download_that_is_not_an_image_is_refused(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    pages = {
        "/page": answer(200, "<!doctype html><title>Login</title>", {"Content-Type": "text/html"}),
        "/json": answer(200, {"error": "expired"}),
        "/empty": answer(200, b"", {"Content-Type": "image/png"}),
        "/mislabelled": answer(200, b"<html>oops</html>", {"Content-Type": "image/png"}),
        "/png-as-octets": answer(200, PNG, {"Content-Type": "application/octet-stream"}),
        "/png-as-text": answer(200, PNG, {"Content-Type": "text/plain"}),
        "/svg": answer(
            200,
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            {"Content-Type": "image/svg+xml"},
        ),
        "/unknown-image": answer(200, b"\x00\x01binary-format", {"Content-Type": "image/x-new"}),
    }
    server = serve(lambda conn, request: conn.send(pages[request.path]) or True)
    rw = client_for(server)
    for path in ("/page", "/json", "/empty", "/mislabelled"):
        with pytest.raises(ResponseValidationError, match=r"is not an image") as info:
            await read(Image(url=server.url + path), rw)
        assert path in str(info.value)
    # The bytes decide for a known format, whatever the label; an image/* label with bytes
    # that are not a document is taken at its word.
    assert await read(Image(url=server.url + "/png-as-octets"), rw) == PNG
    assert await read(Image(url=server.url + "/png-as-text"), rw) == PNG
    assert (await read(Image(url=server.url + "/svg"), rw)).startswith(b"<?xml")
    assert await read(Image(url=server.url + "/unknown-image"), rw) == b"\x00\x01binary-format"


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/a.png", "/relative/a.png", "http://[::1", "data-less", "https://"]
)
async def test_an_image_url_that_cannot_be_downloaded_is_a_railwail_error(
    url: str, twin: Twin
) -> None:
    with pytest.raises(ResponseValidationError, match="cannot download the image"):
        await read(Image(url=url), twin)


async def test_a_relative_redirect_is_followed(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    def handler(conn: Conn, request: Request) -> bool:
        if request.path == "/a.png":
            conn.send(head(302, {"Location": "/b.png"}, length=0))
        else:
            conn.send(answer(200, PNG, {"Content-Type": "image/png"}))
        return True

    server = serve(handler)
    rw = client_for(server)
    assert await read(Image(url=f"{server.url}/a.png"), rw) == PNG
    assert server.paths() == ["/a.png", "/b.png"]


async def test_apierror_for_a_download_keeps_the_status(
    serve: Callable[..., Server], client_for: Callable[..., Client]
) -> None:
    server = serve(
        lambda conn, request: conn.send(answer(403, json.dumps({"error": "expired"}))) or True
    )
    rw = client_for(server)
    with pytest.raises(APIError) as info:
        await read(Image(url=f"{server.url}/a.png?{SIG}"), rw)
    assert info.value.status == 403
    assert "SignedQuerySecret123" not in fields(info.value)
