"""TLS for the connection pools the SDK creates: httpx's default verification, with the CA
bundle read at the first TLS handshake rather than when the client is made."""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any, Self


class DeferredCAContext(ssl.SSLContext):
    """``ssl.create_default_context(cafile=certifi.where())``, what httpx builds by default,
    except that the certificates load when the first TLS connection is wrapped.

    Reading a CA bundle (certifi's, or the file ``SSL_CERT_FILE`` names) takes ~20 ms, on
    every ``Railwail()`` made; a script or command that talks plain http to a local gateway,
    or makes a client and exits, never needs it. Verification is the same: hostname checked,
    certificate required, the flags and options of ``create_default_context``, the bundle
    httpx would pick (``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi). A path that
    does not exist still fails when the client is made.
    """

    _ca_file: str | None
    _ca_lock: threading.Lock
    _ca_loaded: bool

    def __new__(cls) -> Self:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        super().__init__()
        self.verify_mode = ssl.CERT_REQUIRED
        self.check_hostname = True
        if sys.version_info >= (3, 13):  # as ssl.create_default_context does there
            self.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog
        self._ca_lock = threading.Lock()
        self._ca_loaded = False
        # httpx's trust_env: the environment may name the bundle instead of certifi.
        self._ca_file = os.environ.get("SSL_CERT_FILE") or None
        cert_dir = os.environ.get("SSL_CERT_DIR")
        if self._ca_file is not None and not os.path.isfile(self._ca_file):
            self._load_ca()  # fails now, naming the path, as httpx would
        elif self._ca_file is None and cert_dir:
            # A directory is searched per handshake, not read here: nothing to defer.
            self.load_verify_locations(capath=cert_dir)
            self._ca_loaded = True

    def _load_ca(self) -> None:
        with self._ca_lock:
            if not self._ca_loaded:
                cafile = self._ca_file
                if cafile is None:
                    import certifi  # what httpx verifies against by default

                    cafile = certifi.where()
                self.load_verify_locations(cafile=cafile)
                self._ca_loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if not self._ca_loaded:
            self._load_ca()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        if not self._ca_loaded:
            self._load_ca()
        return super().wrap_bio(*args, **kwargs)
