"""A small web app that serves generated images: FastAPI, with one AsyncRailwail client
for the app's whole lifetime.

    pip install fastapi uvicorn
    export RAILWAIL_API_KEY=rw_live_...        # or: railwail auth login
    uvicorn webapp:app --app-dir examples
    curl -o fox.png 'http://127.0.0.1:8000/images?prompt=a+red+fox'
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response

from railwail import (
    AsyncRailwail,
    InsufficientCreditsError,
    NotFoundError,
    RailwailError,
    RateLimitError,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One client for every request: it holds the connection pool, is safe to share across
    # tasks, and is closed when the app stops. The key comes from the environment, read once.
    async with AsyncRailwail() as rw:
        app.state.railwail = rw
        yield


app = FastAPI(title="Poster maker", lifespan=lifespan)
log = logging.getLogger("poster-maker")


def railwail_client(request: Request) -> AsyncRailwail:
    client: AsyncRailwail = request.app.state.railwail
    return client


Client = Annotated[AsyncRailwail, Depends(railwail_client)]


@app.get("/images", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def image(
    rw: Client,
    prompt: Annotated[str, Query(min_length=1, max_length=1000)],
    model: str = "flux-schnell",
    size: str = "512x512",
) -> Response:
    """Generates one image for the prompt and answers with its bytes."""
    try:
        res = await rw.image(model, prompt, size=size)
        picture = res.data[0]
        data = await picture.aread()  # URL or base64: the bytes either way
    except ValueError as err:  # a bad size, say: refused before anything was sent
        raise HTTPException(422, str(err)) from err
    except NotFoundError as err:
        raise HTTPException(404, f"unknown model {model!r}") from err
    except RateLimitError as err:
        # Tell our own callers when to come back, as the gateway told us.
        wait = {"Retry-After": str(math.ceil(err.retry_after))} if err.retry_after else None
        raise HTTPException(429, "too many images right now", headers=wait) from err
    except InsufficientCreditsError as err:
        # Our account's problem, not the caller's: say so in our log, not in the answer.
        log.error("railwail credits exhausted: %s", err)
        raise HTTPException(503, "image generation is unavailable") from err
    except RailwailError as err:  # the gateway failed, even after the SDK's retries
        raise HTTPException(502, "the image service failed") from err
    return Response(
        data,
        media_type=picture.format or "application/octet-stream",
        headers={"X-Request-Id": res.request_id or ""},
    )
