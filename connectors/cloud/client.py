"""The agent's HTTP client for the Castor cloud agent API (see ``contract`` for the paths).

One ``requests.Session``, a timeout on every call, the bearer token and the contract version on
every request. Failures are sorted into what the caller must do about them:

- ``CloudAuthError`` (401/403): the token is wrong; nothing will work until IT fixes it.
- ``CloudUnreachable`` (connection refused, DNS, timeout): try again later; names the URL.
- ``CloudServerError`` (5xx, 429): the server is struggling; try again later.
- ``CloudAgentConflict`` (409 on heartbeat or lease): another agent syncs this company; its
  ``message_es`` is the server's own («otro ACTIVO ya está sincronizando …»).
- ``CloudRejected`` (any other 4xx): this request is wrong; carries the server's detail.
- ``CloudProtocolError``: the answer does not match the contract (version skew).

TLS is verified (a custom CA bundle may be given); a proxy may be given, and ``HTTPS_PROXY`` is
honoured (``trust_env`` stays on). Plain ``http://`` is refused except for this machine.

Transient failures are retried a couple of times inside a call, with jittered backoff. Leasing is
the exception: the agent's loop is its retry (with a backoff that grows, and honours
``Retry-After``); and a lease whose answer was lost may already have leased orders, so asking
again at once would only hide them until their lease expires.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import quote, urlsplit

import requests
from pydantic import BaseModel, ValidationError

from connectors.cloud.contract import (
    AGENT_API_PREFIX,
    CONTRACT_HEADER,
    CONTRACT_VERSION,
    Accepted,
    Heartbeat,
    HeartbeatAck,
    ImageAck,
    ImageManifest,
    LeasedOrders,
    LeaseRequest,
    MasterDataAck,
    MasterDataBatch,
    OrderAck,
    OrderFailure,
)

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
LEASE_READ_MARGIN_SECONDS = 10.0  # the server answers a long poll after wait_seconds at most
GZIP_LEVEL = 5  # fast, and most of the size gain of 9

_Model = TypeVar("_Model", bound=BaseModel)


class CloudError(Exception):
    """Base of the client's errors. ``message_es`` is for people; ``str()`` for the logs."""

    retriable = False

    def __init__(self, message: str, message_es: str) -> None:
        super().__init__(message)
        self.message_es = message_es


class CloudAuthError(CloudError):
    pass


class CloudUnreachable(CloudError):
    retriable = True


class CloudServerError(CloudError):
    retriable = True

    def __init__(self, message: str, message_es: str, retry_after: float | None = None) -> None:
        super().__init__(message, message_es)
        self.retry_after = retry_after


class CloudRejected(CloudError):
    def __init__(self, message: str, message_es: str, status: int, detail: str) -> None:
        super().__init__(message, message_es)
        self.status = status
        self.detail = detail


class CloudAgentConflict(CloudRejected):
    """The cloud has another active agent for this company (send ``take_over`` to replace it)."""


class CloudProtocolError(CloudError):
    pass


CONFLICT_STATUS = 409


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the cloud's address (Spanish), or None when it is fine.

    Plain http would send the agent token in clear text: allowed only to this same machine.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return 'debe ser una dirección web completa, ej. "https://pedidos.empresa.com.ar"'
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return (
            "debe empezar con https:// (http:// sin cifrar solo se permite para localhost, "
            "127.0.0.1 o ::1)"
        )
    if parts.query or parts.fragment:
        return "no debe llevar ? ni #"
    return None


class CloudClient:
    """Talks to ``{base_url}/api/v1/agent`` on behalf of one company's agent."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_seconds: float = 15.0,
        user_agent: str = "ACTIVO",
        retries: int = 2,
        backoff_seconds: float = 0.5,
        lease_margin_seconds: float = LEASE_READ_MARGIN_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        ca_bundle: str | None = None,
        proxy: str | None = None,
    ) -> None:
        problem = base_url_problem(base_url)
        if problem:
            raise ValueError(f"cloud url {base_url!r}: {problem}")
        self.base_url = base_url.strip().rstrip("/")
        self._timeout = timeout_seconds
        self._retries = retries
        self._backoff = backoff_seconds
        self._lease_margin = lease_margin_seconds
        self._sleep = sleep
        self._session = requests.Session()
        # verify=True uses certifi's bundle; a company behind an inspecting proxy names its own.
        self._session.verify = ca_bundle or True
        if proxy:
            self._session.proxies.update({"http": proxy, "https": proxy})
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                CONTRACT_HEADER: str(CONTRACT_VERSION),
                "User-Agent": user_agent,
                "Accept": "application/json",
            }
        )

    # ----------------------------------------------------------------- the API

    def lease_orders(self, wait_seconds: int, max_orders: int) -> LeasedOrders:
        """Lease confirmed orders, waiting up to ``wait_seconds`` for one to appear."""
        body = LeaseRequest(wait_seconds=wait_seconds, max_orders=max_orders)
        with _conflicts_named():
            # Not retried here: the caller's loop is the retry, with its growing backoff
            # (and ``CloudServerError.retry_after``), so a struggling cloud is not hammered.
            return self._call(
                "/orders/lease",
                body,
                LeasedOrders,
                read_timeout=wait_seconds + self._lease_margin,
                idempotent=False,
                retries=0,
            )

    def ack(self, code: str, ack: OrderAck) -> Accepted:
        """Tell the cloud the order is in Tango with its number."""
        return self._call(f"/orders/{quote(code, safe='')}/ack", ack, Accepted)

    def report_failure(self, code: str, failure: OrderFailure) -> Accepted:
        """Tell the cloud the order could not be written, and why (``message_es``)."""
        return self._call(f"/orders/{quote(code, safe='')}/failure", failure, Accepted)

    def push_master_data(self, batch: MasterDataBatch) -> MasterDataAck:
        """Upsert and delete one batch of master records; applying a batch twice is harmless."""
        return self._call("/master-data", batch, MasterDataAck, compress=True)

    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck:
        """Report the agent alive, with its counts."""
        with _conflicts_named():
            return self._call("/heartbeat", beat, HeartbeatAck)

    def image_manifest(self, etag: str | None = None) -> tuple[ImageManifest | None, str | None]:
        """The article images the cloud holds and the manifest's ETag; ``None`` (with the same
        ETag) when ``etag`` is still current (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        return self._images_call("GET", "/images", headers=headers)

    def put_image(self, code: str, source_sha256: str, thumb: bytes, detail: bytes) -> ImageAck:
        """Store both WebP renditions of one article's image; sending the same twice is harmless."""
        files = {"thumb": ("thumb.webp", thumb, "image/webp"),
                 "detail": ("detail.webp", detail, "image/webp")}
        ack, _ = self._images_call("PUT", f"/images/{quote(code, safe='')}",
                                   data={"source_sha256": source_sha256}, files=files)
        assert ack is not None
        return ack

    def delete_image(self, code: str) -> ImageAck:
        """Remove one article's image (``absent`` when there was none)."""
        ack, _ = self._images_call("DELETE", f"/images/{quote(code, safe='')}")
        assert ack is not None
        return ack

    def replace_token(self, token: str) -> None:
        """Use a new agent token from now on (IT saved one after the old was rejected)."""
        self._session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CloudClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- plumbing

    def _call(
        self,
        path: str,
        body: BaseModel,
        answer: type[_Model],
        *,
        read_timeout: float | None = None,
        idempotent: bool = True,
        retries: int | None = None,
        compress: bool = False,
    ) -> _Model:
        attempt = 0
        retries = self._retries if retries is None else retries
        while True:
            try:
                return self._post_once(path, body, answer, read_timeout, compress=compress)
            except (CloudUnreachable, CloudServerError) as exc:
                # A read timeout means the server may have acted on the request already.
                maybe_done = isinstance(exc.__cause__, requests.ReadTimeout)
                may_retry = idempotent or isinstance(exc, CloudServerError) or not maybe_done
                if attempt >= retries or not may_retry:
                    raise
                self._sleep(self._delay(attempt, exc))
                attempt += 1

    def _delay(self, attempt: int, exc: CloudError) -> float:
        base = self._backoff * (2**attempt)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            base = max(base, min(retry_after, 10.0))  # honour the server, within reason
        return base + random.uniform(0, base / 2)  # noqa: S311 — jitter, not security

    def _images_call(
        self, method: str, path: str, **kwargs: object
    ) -> tuple[ImageAck | ImageManifest | None, str | None]:
        """GET (manifest, may be 304), PUT or DELETE an image; all idempotent, so retried."""
        answer: type[BaseModel] = ImageManifest if method == "GET" else ImageAck
        attempt = 0
        while True:
            try:
                response = _images_request(self, method, path, **kwargs)
                with response:
                    etag = response.headers.get("ETag")
                    if response.status_code == 304:
                        return None, etag
                    url = f"{self.base_url}{AGENT_API_PREFIX}{path}"
                    return _answer(response, url, answer), etag  # type: ignore[return-value]
            except (CloudUnreachable, CloudServerError) as exc:
                if attempt >= self._retries:
                    raise
                self._sleep(self._delay(attempt, exc))
                attempt += 1

    def _post_once(
        self, path: str, body: BaseModel, answer: type[_Model], read_timeout: float | None,
        *, compress: bool = False,
    ) -> _Model:
        url = f"{self.base_url}{AGENT_API_PREFIX}{path}"
        data = body.model_dump_json().encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if compress:  # master-data batches: JSON shrinks ~10x, the server inflates it
            data = gzip.compress(data, compresslevel=GZIP_LEVEL)
            headers["Content-Encoding"] = "gzip"
        try:
            response = self._session.post(
                url,
                data=data,
                headers=headers,
                timeout=(self._timeout, read_timeout or self._timeout),
            )
        except requests.Timeout as exc:
            raise CloudUnreachable(
                f"timeout calling {url}",
                f"La nube en {self.base_url} no respondió a tiempo; se reintenta más tarde.",
            ) from exc
        except requests.ConnectionError as exc:
            raise CloudUnreachable(
                f"cannot connect to {url}: {_reason(exc)}",
                f"No se pudo conectar con la nube en {self.base_url}: revisá la conexión a "
                "Internet, el firewall o la dirección [cloud] url.",
            ) from exc
        except requests.RequestException as exc:
            raise CloudUnreachable(
                f"request to {url} failed: {exc}",
                f"Falló la comunicación con la nube en {self.base_url}.",
            ) from exc
        with response:
            return _answer(response, url, answer)


@contextlib.contextmanager
def _conflicts_named() -> Iterator[None]:
    """On heartbeat and lease a 409 means "another agent is active": say it in the cloud's words."""
    try:
        yield
    except CloudRejected as exc:
        if exc.status != CONFLICT_STATUS or isinstance(exc, CloudAgentConflict):
            raise
        message = exc.detail or "otro ACTIVO ya está sincronizando esta empresa"
        raise CloudAgentConflict(str(exc), message, status=exc.status,
                                 detail=exc.detail) from exc


def _answer(response: requests.Response, url: str, answer: type[_Model]) -> _Model:
    status = response.status_code
    if status in (401, 403):
        raise CloudAuthError(
            f"{url} answered {status}: {_detail(response)}",
            "La nube rechazó el token del agente (token inválido o revocado): generá uno nuevo "
            "en el panel y guardalo con `activo secrets set cloud-token`.",
        )
    if status == 429 or status >= 500:
        raise CloudServerError(
            f"{url} answered {status}: {_detail(response)}",
            f"La nube en {_origin(url)} tiene problemas (HTTP {status}); se reintenta luego.",
            retry_after=_retry_after(response),
        )
    if status >= 400 or status < 200:
        detail = _detail(response)
        raise CloudRejected(
            f"{url} answered {status}: {detail}",
            f"La nube rechazó el pedido del agente (HTTP {status}): {detail}",
            status=status,
            detail=detail,
        )
    try:
        return answer.model_validate_json(response.content)
    except ValidationError as exc:
        raise CloudProtocolError(
            f"{url} answered something that is not a {answer.__name__}: {exc.errors()[:3]}",
            "La respuesta de la nube no es la esperada: puede que el agente necesite una "
            "actualización.",
        ) from exc


def _detail(response: requests.Response) -> str:
    """The server's ``ErrorBody.detail`` (FastAPI may send a list), else the start of the body."""
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = response.text
    if not isinstance(detail, str):
        detail = str(detail)
    return detail.strip()[:500] or response.reason or ""


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _reason(exc: requests.ConnectionError) -> str:
    return str(exc)[:300]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- article images


def _images_request(client: CloudClient, method: str, path: str,
                    **kwargs: object) -> requests.Response:
    """One request of the images API, its transport failures sorted like ``_post_once``'s."""
    url = f"{client.base_url}{AGENT_API_PREFIX}{path}"
    try:
        return client._session.request(method, url, timeout=client._timeout, **kwargs)  # type: ignore[arg-type]
    except requests.Timeout as exc:
        raise CloudUnreachable(
            f"timeout calling {url}",
            f"La nube en {client.base_url} no respondió a tiempo; se reintenta más tarde.",
        ) from exc
    except requests.RequestException as exc:
        raise CloudUnreachable(
            f"{method} {url} failed: {str(exc)[:300]}",
            f"No se pudo conectar con la nube en {client.base_url}: revisá la conexión a "
            "Internet, el firewall o la dirección [cloud] url.",
        ) from exc
