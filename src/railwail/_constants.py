"""Defaults shared by both clients. Every number here is documented in docs/configuration.md
or docs/errors.md."""

from __future__ import annotations

import httpx

DEFAULT_BASE_URL = "https://railwail.com/api/v1"
ENV_API_KEY = "RAILWAIL_API_KEY"
ENV_BASE_URL = "RAILWAIL_BASE_URL"
ENV_LOG = "RAILWAIL_LOG"

# Image generation can take minutes; a read timeout shorter than the model's run time turns a
# paid, finished generation into an error. Connecting must still fail fast.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=300.0, write=60.0, pool=30.0)
DEFAULT_MAX_RETRIES = 2
# Keep-alive for as many connections as the pool allows: closing and reopening connections
# under concurrency costs more than idle sockets do.
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# A server asking us to wait longer than this is told "no": the caller gets the error at once,
# with .retry_after, and decides.
MAX_RETRY_AFTER = 60.0

DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
# The largest API answer (JSON) read, counted after decompression: generous (a large embedding
# batch as JSON floats is ~10 MB), but a hostile or broken server cannot fill the memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# The longest line (and the largest event) of a chat stream: a chunk is well under 1 KiB.
MAX_STREAM_LINE_BYTES = 1024 * 1024
# What answers may be compressed with: the encodings whose decoded size can be capped as
# they arrive (httpx would also advertise br or zstd when their packages are installed).
ACCEPT_ENCODING = "gzip, deflate"

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
