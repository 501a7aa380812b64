"""A small JSON/form HTTP client for provider APIs (stdlib only), with retries on transient errors."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any

from ..providers.webhook import ProviderHttpError


class _NoCredentialsOnRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (Twilio media → its CDN, Slack files) must not carry our credentials along:
    urllib keeps the Authorization header by default, which would leak the token, and S3-signed
    URLs refuse a second authentication anyway."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is not None:
            follow.remove_header("Authorization")
        return follow


_OPENER = urllib.request.build_opener(_NoCredentialsOnRedirect)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class HttpClient:
    def __init__(
        self, timeout_seconds: float = 10.0, attempts: int = 3, backoff_seconds: float = 0.5
    ) -> None:
        self._timeout = timeout_seconds
        self._attempts = attempts
        self._backoff = backoff_seconds

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        data: bytes | None = None,
    ) -> HttpResponse:
        """Sends the request, retrying transient failures with backoff; raises ProviderHttpError."""
        all_headers = dict(headers or {})
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"not an http(s) URL: {url}")
        last_error: ProviderHttpError | None = None
        for attempt in range(self._attempts):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                return self._once(method, url, all_headers, body)
            except ProviderHttpError as error:
                last_error = error
                if not error.retryable:
                    raise
        assert last_error is not None
        raise last_error

    def _once(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> HttpResponse:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                return HttpResponse(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            raise ProviderHttpError(error.code, error.read().decode(errors="replace"), url) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise ProviderHttpError(0, str(error), url) from error
