"""Embeddings: the response types, and the base64 float32 vectors the SDK asks for by default
decoded to floats (and kept as bytes for ``to_numpy()``)."""

from __future__ import annotations

import binascii
import sys
from array import array
from typing import TYPE_CHECKING, Self

from pydantic import PrivateAttr

from ._exceptions import ResponseValidationError
from ._models import APIObject, APIResponse

if TYPE_CHECKING:
    import numpy
    import numpy.typing

__all__ = ["Embedding", "EmbeddingResponse", "EmbeddingUsage"]


class Embedding(APIObject):
    """One embedding vector and the index of the input it belongs to.

    Attributes:
        index: The place of its input in the request, from 0.
        embedding: The vector, as floats. When the call named an ``encoding_format`` other
            than base64 (``"float"``, or a format of the gateway's own via ``extra_body``),
            it is exactly what the gateway sent, which for a format of its own may be a
            string.
    """

    object: str = "embedding"
    index: int = 0
    embedding: list[float] | str


class EmbeddingUsage(APIObject):
    """Tokens counted for an embeddings request.

    Attributes:
        prompt_tokens: Tokens of the inputs.
        total_tokens: The same, as OpenAI reports it.
    """

    prompt_tokens: int = 0
    total_tokens: int = 0


class EmbeddingResponse(APIResponse):
    """An OpenAI-shaped embedding list.

    Attributes:
        data: One ``Embedding`` per input, in input order.
        model: The model that made them.
        usage: Tokens counted, when the gateway sent them.
    """

    object: str = "list"
    data: list[Embedding]
    model: str | None = None
    usage: EmbeddingUsage | None = None

    # The little-endian float32 bytes of each item of data that came as base64 (None for
    # items that came as floats): to_numpy() reads them without going through Python floats.
    _float32: list[bytes | None] | None = PrivateAttr(default=None)

    @property
    def vectors(self) -> list[list[float]]:
        """The vectors in input order.

        Raises:
            ResponseValidationError: An embedding is a string: the call asked for an
                ``encoding_format`` of the gateway's own (read ``data[i].embedding``).
        """
        vectors = []
        for item in sorted(self.data, key=_by_index):
            if isinstance(item.embedding, str):
                raise _not_floats(item, self.request_id)
            vectors.append(item.embedding)
        return vectors

    def to_numpy(self) -> numpy.typing.NDArray[numpy.float32]:
        """The vectors in input order as one 2-D ``float32`` array (one row per input).

        Needs numpy (``pip install 'railwail[numpy]'``); ``import railwail`` never loads it.
        Vectors that came as base64 go into the array straight from their bytes.

        Raises:
            ImportError: numpy is not installed.
            ResponseValidationError: An embedding is a string in a format of the gateway's own.
            ValueError: The vectors are not all of the same length.
        """
        try:
            import numpy as np
        except ImportError as exc:
            raise ImportError(
                "EmbeddingResponse.to_numpy() needs numpy, which is not installed. "
                "Install it with: pip install 'railwail[numpy]'"
            ) from exc
        order = sorted(range(len(self.data)), key=lambda i: self.data[i].index)
        raw = self._float32
        if raw is not None and order and all(raw[i] is not None for i in order):
            rows = [raw[i] or b"" for i in order]
            if len({len(row) for row in rows}) == 1:
                # One copy, into a buffer the array owns and may write to.
                packed = np.frombuffer(bytearray().join(rows), dtype="<f4")
                return packed.reshape(len(rows), -1).astype(np.float32, copy=False)
        vectors = self.vectors
        if not vectors:
            return np.zeros((0, 0), dtype=np.float32)
        if len({len(vector) for vector in vectors}) != 1:
            raise ValueError("the embeddings are not all of the same length")
        return np.array(vectors, dtype=np.float32)

    def _decode_base64(self) -> Self:
        """Base64 float32 vectors (what the SDK asks for by default) become lists of floats."""
        raw: list[bytes | None] = []
        for item in self.data:
            encoded = item.embedding
            if not isinstance(encoded, str):  # the gateway answered with floats: fine too
                raw.append(None)
                continue
            try:
                data = _float32_bytes(encoded)
            except ValueError as exc:
                raise ResponseValidationError(
                    f"embedding {item.index} {exc}", body=encoded[:100], request_id=self.request_id
                ) from None
            # Straight into the field: the value is already validated (floats from float32).
            item.__dict__["embedding"] = _floats(data)
            raw.append(data)
        self.__pydantic_private__["_float32"] = raw  # type: ignore[index]  # set by pydantic
        return self


def _by_index(item: Embedding) -> int:
    return item.index


def _float32_bytes(encoded: str) -> bytes:
    try:
        data = binascii.a2b_base64(encoded, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(f"is not valid base64 ({exc})") from None
    if len(data) % 4:
        raise ValueError(f"is {len(data)} bytes of base64, not a whole number of float32s")
    return data


def _floats(data: bytes) -> list[float]:
    """Little-endian float32 bytes as Python floats, on hosts of either byte order."""
    values = array("f", data)
    if _BIG_ENDIAN_HOST:
        values.byteswap()
    return values.tolist()


_BIG_ENDIAN_HOST = sys.byteorder == "big"


def _not_floats(item: Embedding, request_id: str | None) -> ResponseValidationError:
    return ResponseValidationError(
        f"embedding {item.index} is a string in the encoding_format the call asked for, not "
        "floats: read it from .data[i].embedding",
        body=str(item.embedding)[:100],
        request_id=request_id,
    )
