"""HTTP session shared by the archive clients: timeouts, retries with backoff, safe downloads.

Every request has a timeout. Connection errors, read timeouts and the statuses in
:data:`RETRY_STATUSES` are retried with exponential backoff by :class:`urllib3.util.Retry`
(sleep ``backoff * 2 ** (attempt - 1)`` seconds, capped at 30 s). The socket timeout bounds
each read only, so a server that sends one byte at a time would never time out. Hence a JSON
response must arrive whole within ``timeout`` seconds of sending the request. A download is
stopped when it receives less than :data:`MIN_DOWNLOAD_RATE` over ``timeout`` seconds. Both
count as a failed attempt and are retried. A download streams to
``<target>.partial`` and is renamed to ``<target>`` only once its size (and MD5 checksum, where
the caller knows it) is verified. A download cut off in the middle is resumed with an HTTP
``Range`` request, in the same call or in a later run.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from radiogenomics.io.atomic import PARTIAL_SUFFIX
from radiogenomics.io.exceptions import ArchiveError, DownloadError

logger = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_BYTES = 1 << 20
# Bytes per second below which a download attempt is stopped. At this rate a 100 MB series
# would take more than a day, so a slower server is treated as stalled.
MIN_DOWNLOAD_RATE = 1024
USER_AGENT = "radiogenomics (+https://github.com/radiogenomics)"
# Bytes of an error response read for the message, and characters of its text kept.
ERROR_BODY_BYTES = 4096
ERROR_DETAIL_CHARS = 200


def _retry_policy(retries: int, backoff: float) -> Retry:
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        backoff_max=30.0,
        status_forcelist=RETRY_STATUSES,
        # The archive APIs take queries as POST bodies; they do not change server state.
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )


class HttpClient:
    """A :class:`requests.Session` bound to one API root, with timeouts and retries.

    Parameters
    ----------
    base_url : str
        API root; request paths are appended to it.
    timeout : float, default 60
        Seconds allowed for each attempt: to connect, for each read, and for a whole JSON
        response from sending the request to its last byte. A download may take longer, but
        an attempt is stopped when it receives less than :data:`MIN_DOWNLOAD_RATE` bytes per
        second over ``timeout`` seconds. An attempt can overrun by up to one read timeout,
        because the elapsed time is checked after each read returns.
    retries : int, default 4
        Retries of a failed request (connection error, timeout, HTTP 429 or 5xx).
    backoff : float, default 1
        Backoff factor in seconds: retry ``n`` waits ``backoff * 2 ** (n - 1)`` seconds.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
    ) -> None:
        if timeout <= 0:
            raise ArchiveError(f"timeout must be positive seconds, got {timeout!r}")
        if retries < 0:
            raise ArchiveError(f"retries must be 0 or more, got {retries!r}")
        try:
            parts = urllib3.util.parse_url(base_url)
        except (urllib3.exceptions.LocationParseError, TypeError):
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.host:
            raise ArchiveError(
                f"API root URL {base_url!r} is invalid; give an http:// or https:// URL with a "
                "host, e.g. https://api.gdc.cancer.gov (--base-url, or --gdc-url and "
                "--cbioportal-url of fetch cohort)"
            )
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=_retry_policy(self.retries, self.backoff))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` (absolute URLs pass through unchanged)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send a request and return the response; raise :class:`ArchiveError` on failure.

        Raises
        ------
        ArchiveError
            The request timed out or failed to connect after all retries, or the final
            response has an HTTP error status.
        """
        url = self.url(path)
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, url, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as error:
            failed_connection = _connection_failure(error)
            if failed_connection is not None:
                raise ArchiveError(
                    f"{method} {url}: connection failed (refused or host not found) after "
                    f"{self.retries + 1} attempt(s): {failed_connection}; check the URL and the "
                    "network connection"
                ) from error
            if not _is_timeout(error):
                raise ArchiveError(
                    f"{method} {url} failed after {self.retries + 1} attempt(s): {error}"
                ) from error
            raise ArchiveError(
                f"{method} {url} timed out after {self.retries + 1} attempt(s) of "
                f"{self.timeout:g} s; retry later or raise the timeout"
            ) from error
        if response.status_code >= 400:
            # Read at most a few kilobytes, within the timeout, so that a slow error body
            # cannot hold the request open.
            if kwargs.get("stream"):
                try:
                    raw = _read_body(
                        response, time.monotonic() + self.timeout, limit=ERROR_BODY_BYTES
                    )
                except (_TransferTooSlow, *_BODY_ERRORS):
                    raw = b""
                finally:
                    response.close()
            else:
                raw = response.content[:ERROR_BODY_BYTES]
            detail = _error_detail(raw, response.headers.get("Content-Type"))
            raise ArchiveError(
                f"{method} {url} failed with HTTP {response.status_code} {response.reason}"
                + (f": {detail}" if detail else "")
            )
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode the JSON body."""
        return self._fetch_json("GET", path, params=params)

    def post_json(self, path: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        """POST a JSON body to ``path`` and decode the JSON response."""
        return self._fetch_json("POST", path, json=body, params=params)

    def _fetch_json(self, method: str, path: str, **kwargs) -> Any:
        """Send a request and decode its JSON body, which must arrive within the timeout.

        A body that is cut off, stalls, or is still arriving ``timeout`` seconds after the
        request was sent counts as a failed attempt and is retried with backoff.

        NOTE: the elapsed time is checked only while the body is read, so a server that
        trickles its status line and headers is bounded by the per-read timeout alone.
        """
        url = self.url(path)
        for attempt in range(self.retries + 1):
            deadline = time.monotonic() + self.timeout
            response = self.request(method, url, stream=True, **kwargs)
            try:
                body = _read_body(response, deadline)
            except (_TransferTooSlow, *_BODY_ERRORS) as error:
                if isinstance(error, _TransferTooSlow):
                    problem = f"the response did not arrive within {self.timeout:g} s ({error})"
                    advice = "the server sends too slowly, retry later or raise the timeout"
                else:
                    problem = f"the response was cut off or stalled ({error})"
                    advice = "retry later"
                if attempt == self.retries:
                    raise ArchiveError(
                        f"{method} {url} failed after {attempt + 1} attempt(s): {problem}; "
                        f"{advice} (--timeout, --retries)"
                    ) from error
                wait = self.backoff * 2**attempt
                logger.warning(
                    "%s %s: attempt %d failed: %s; retrying in %.2f s",
                    method,
                    url,
                    attempt + 1,
                    problem,
                    wait,
                )
                time.sleep(wait)
                continue
            finally:
                response.close()
            return _decode_json(body, method, response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def download(
        self,
        path: str,
        target: str | Path,
        *,
        params: Mapping[str, Any] | None = None,
        expected_size: int | None = None,
        md5: str | None = None,
    ) -> Path:
        """Stream a response body to ``target``, resuming and verifying it.

        Parameters
        ----------
        path : str
            Request path or absolute URL.
        target : str or Path
            Final file path. The body is written to ``<target>.partial`` first.
        params : mapping, optional
            Query parameters.
        expected_size : int, optional
            Size in bytes; otherwise the size the server announces (Content-Length) is checked.
        md5 : str, optional
            Expected MD5 hex digest of the whole file.

        Returns
        -------
        Path
            ``target``, complete and verified.

        Raises
        ------
        DownloadError
            The download still failed after the retries, or the file has the wrong size or
            checksum. A file with the wrong size or checksum is deleted.
        """
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + PARTIAL_SUFFIX)
        url = self.url(path)

        total = None
        for attempt in range(self.retries + 1):
            if expected_size is not None and partial.exists():
                if partial.stat().st_size >= expected_size:
                    break
            try:
                total = self._stream_to(url, partial, params)
                break
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.ProtocolError,
                urllib3.exceptions.ReadTimeoutError,
                _TransferTooSlow,
                ArchiveError,
            ) as error:
                # The server returns HTTP 416 (range not satisfiable) when the partial file is
                # at least as long as the remote one. Such a file is stale, so start over.
                if isinstance(error, ArchiveError) and "HTTP 416" in str(error):
                    logger.warning("Discarding %s: the server rejected its range", partial)
                    partial.unlink(missing_ok=True)
                    if attempt < self.retries:
                        continue
                # Any other status error after the adapter's own retries is final. A cut-off
                # body is resumed from the bytes already on disk.
                if isinstance(error, ArchiveError) or attempt == self.retries:
                    raise DownloadError(
                        f"download of {url} failed after {attempt + 1} attempt(s): {error}; "
                        f"rerun to resume from {partial.stat().st_size if partial.exists() else 0}"
                        " bytes"
                    ) from error
                wait = self.backoff * 2**attempt
                logger.warning(
                    "Download of %s interrupted at %d bytes (%s); resuming in %.2f s",
                    url,
                    partial.stat().st_size if partial.exists() else 0,
                    error,
                    wait,
                )
                time.sleep(wait)

        _verify(partial, url, expected_size if expected_size is not None else total, md5)
        os.replace(partial, target)
        return target

    def _stream_to(self, url: str, partial: Path, params) -> int | None:
        """Append the missing bytes of ``url`` to ``partial``; return the announced total size."""
        offset = partial.stat().st_size if partial.exists() else 0
        # Byte offsets on disk must match the server's, so no transfer compression.
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        with self.request("GET", url, params=params, headers=headers, stream=True) as response:
            if offset and response.status_code == 206:
                total = _total_from_content_range(response.headers.get("Content-Range"))
                mode = "ab"
                logger.info("Resuming %s at byte %d", url, offset)
            else:
                if offset:
                    logger.info("Server ignored the range request for %s; restarting", url)
                length = response.headers.get("Content-Length")
                total = (
                    int(length) if length and "Content-Encoding" not in response.headers else None
                )
                mode = "wb"
            with open(partial, mode) as handle:
                # read1 hands over whatever arrived, so the bytes before a dropped connection
                # reach the disk; iter_content would discard its incomplete last chunk.
                window_start = time.monotonic()
                window_bytes = 0
                while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
                    handle.write(chunk)
                    window_bytes += len(chunk)
                    elapsed = time.monotonic() - window_start
                    if elapsed < self.timeout:
                        continue
                    if window_bytes < MIN_DOWNLOAD_RATE * elapsed:
                        raise _TransferTooSlow(
                            f"received {window_bytes} bytes in {elapsed:.1f} s, less than "
                            f"{MIN_DOWNLOAD_RATE} bytes/s"
                        )
                    window_start += elapsed
                    window_bytes = 0
        return total


class _TransferTooSlow(Exception):
    """A response body did not arrive within its time limit or fell below the minimum rate."""


# Errors raised while reading a streamed body: a dropped connection or a read timeout.
_BODY_ERRORS = (
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ReadTimeoutError,
    urllib3.exceptions.DecodeError,
    requests.ConnectionError,
    OSError,
)


def _read_body(response: requests.Response, deadline: float, limit: int | None = None) -> bytes:
    """Read a streamed response body, raising :class:`_TransferTooSlow` after ``deadline``.

    ``deadline`` is a :func:`time.monotonic` value. ``limit`` stops reading after that many
    bytes. The check runs after each read returns, so it overruns by at most one read timeout.
    """
    chunks = []
    received = 0
    while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
        chunks.append(chunk)
        received += len(chunk)
        if limit is not None and received >= limit:
            break
        if time.monotonic() > deadline:
            announced = response.headers.get("Content-Length", "an unknown number of")
            raise _TransferTooSlow(f"{received} of {announced} bytes received")
    body = b"".join(chunks)
    return body if limit is None else body[:limit]


def _error_detail(raw: bytes, content_type: str | None) -> str:
    """Return the start of an error body as one line of text, or ``""`` for a binary body.

    Tags, scripts and styles of an HTML page are removed, runs of whitespace become one
    space, and the text is cut to :data:`ERROR_DETAIL_CHARS` characters.
    """
    media_type = (content_type or "").split(";")[0].strip().lower()
    textual = (
        not media_type or media_type.startswith("text/") or media_type.endswith(("json", "xml"))
    )
    if not textual or not raw or b"\x00" in raw:
        return ""
    text = raw.decode("utf-8", errors="replace")
    if media_type in ("text/html", "application/xhtml+xml") or text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
        text = re.sub(r"<[^>]*>", " ", text)
        text = html.unescape(text)
    text = " ".join(text.split())
    if len(text) > ERROR_DETAIL_CHARS:
        text = text[:ERROR_DETAIL_CHARS].rstrip() + " ..."
    return text


def _connection_failure(error: requests.RequestException) -> str | None:
    """Return the reason when no connection could be opened (refused, host not found), else None.

    urllib3 2.x derives ``NewConnectionError`` and ``NameResolutionError`` from
    ``ConnectTimeoutError``, so this check must come before :func:`_is_timeout`.
    """
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    if not isinstance(reason, urllib3.exceptions.NewConnectionError):
        return None
    # The message starts with the connection object's repr, e.g. "HTTPConnection(host=...): ".
    return str(reason).split("): ", 1)[-1]


def _is_timeout(error: requests.RequestException) -> bool:
    # After the adapter's retries, requests reports a read timeout as a ConnectionError that
    # wraps urllib3's MaxRetryError, whose reason is the timeout.
    if isinstance(error, requests.Timeout):
        return True
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.TimeoutError)


def _total_from_content_range(value: str | None) -> int | None:
    # Content-Range: bytes 100-199/200 (RFC 9110, section 14.4).
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1]
    return int(total) if total.isdigit() else None


def _verify(partial: Path, url: str, expected_size: int | None, md5: str | None) -> None:
    size = partial.stat().st_size
    if expected_size is not None and size != expected_size:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"download of {url} is incomplete: {size} of {expected_size} bytes; the partial "
            "file was deleted, rerun to fetch it again"
        )
    if md5 is not None:
        digest = file_md5(partial)
        if digest != md5.lower():
            partial.unlink(missing_ok=True)
            raise DownloadError(
                f"download of {url} has MD5 {digest} but {md5} was expected; the file was "
                "deleted, rerun to fetch it again"
            )


def file_md5(path: str | Path) -> str:
    """Return the MD5 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_json(body: bytes, method: str, response: requests.Response) -> Any:
    # json.loads detects UTF-8, UTF-16 and UTF-32 from the bytes (RFC 8259 allows only these).
    try:
        return json.loads(body)
    except ValueError as error:
        text = body[:200].decode("utf-8", errors="replace")
        raise ArchiveError(
            f"{method} {response.url} returned invalid JSON "
            f"({response.headers.get('Content-Type')}): {text!r}"
        ) from error
