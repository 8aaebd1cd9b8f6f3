"""The chat's login (`--auth`): the password compared in constant time, and failed logins
slowed down per user name and per client address.

After `LoginPolicy.free_failures` failures in a row for a key (a user name, or a client
address), each further failure locks that key for a delay that doubles (1 s, 2 s, 4 s, ... up
to 60 s by default). While a key is locked, a login that involves it is refused without its
password being looked at, and the refusal does not count as another failure: a guesser gets
one real try per delay. A successful login forgets its user name's failures; a key with no
failure for `forget_after` seconds starts again from zero.

Gradio calls the check as `check(username, password)`, without the request; the client's
address reaches it through `client_address`, which the `ClientAddress` ASGI middleware sets
for each request (the address uvicorn gives: the connecting peer, or the `X-Forwarded-For`
client when the peer is a trusted proxy, by default one on 127.0.0.1 or ::1; uvicorn's
`$FORWARDED_ALLOW_IPS` lists others).
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""Seconds on a clock that never goes back (`time.monotonic`; a fake one in tests)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
"""The address of the client whose request is being handled (None: not known)."""

NAME_CHARS = 256
"""A user name is remembered by its first this many characters (a key's size is bounded)."""


@dataclass(frozen=True)
class LoginPolicy:
    """How failed logins are slowed down (seconds)."""

    free_failures: int = 3
    """Failures in a row a key may have before logins for it are delayed."""
    first_delay: float = 1.0
    """The delay after the first failure past the free ones; each further failure doubles it."""
    max_delay: float = 60.0
    """The longest delay."""
    forget_after: float = 900.0
    """A key with no failure for this long starts again from zero failures."""
    max_keys: int = 10_000
    """Keys remembered at most (the longest quiet ones are forgotten first)."""

    def __post_init__(self) -> None:
        if self.free_failures < 0 or self.max_keys < 1:
            raise ValueError("LoginPolicy needs free_failures >= 0 and max_keys >= 1")
        if not 0 < self.first_delay <= self.max_delay <= self.forget_after:
            raise ValueError(
                "LoginPolicy needs 0 < first_delay <= max_delay <= forget_after, got "
                f"{self.first_delay}, {self.max_delay}, {self.forget_after}"
            )

    def delay(self, failures: int) -> float:
        """How long a key is locked after its `failures`-th failure in a row."""
        past = failures - self.free_failures
        if past <= 0:
            return 0.0
        return min(self.first_delay * 2.0 ** min(past - 1, 60), self.max_delay)


@dataclass
class _Failures:
    count: int
    last: float  # when the last failure was
    until: float  # locked until then


class LoginThrottle:
    """Failed logins per key (`user_key`, `address_key`), on `clock`. Thread-safe."""

    def __init__(self, policy: LoginPolicy | None = None, clock: Clock = time.monotonic) -> None:
        self.policy = policy or LoginPolicy()
        self._clock = clock
        self._keys: OrderedDict[str, _Failures] = OrderedDict()  # least recently failed first
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until none of `keys` is locked (0.0: a login may be checked now)."""
        now = self._clock()
        with self._lock:
            found = [self._current(key, now) for key in keys]
        return max([0.0, *(f.until - now for f in found if f is not None)])

    def failures(self, key: str) -> int:
        """The failures in a row `key` has now."""
        with self._lock:
            found = self._current(key, self._clock())
            return found.count if found else 0

    def failed(self, keys: Iterable[str]) -> float:
        """Count a failed login for each of `keys`; returns the longest delay it set."""
        now = self._clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                before = self._current(key, now)
                count = before.count + 1 if before else 1
                delay = self.policy.delay(count)
                self._keys[key] = _Failures(count, now, now + delay)
                self._keys.move_to_end(key)
                longest = max(longest, delay)
            while len(self._keys) > self.policy.max_keys:
                self._keys.popitem(last=False)
        return longest

    def succeeded(self, key: str) -> None:
        """Forget `key`'s failures (a user who logged in)."""
        with self._lock:
            self._keys.pop(key, None)

    def _current(self, key: str, now: float) -> _Failures | None:
        found = self._keys.get(key)
        if found is not None and now - found.last >= self.policy.forget_after:
            del self._keys[key]
            return None
        return found


def user_key(name: str) -> str:
    return "user:" + name[:NAME_CHARS]


def address_key(address: str) -> str:
    return "address:" + address


def login_keys(name: str, address: str | None) -> list[str]:
    """The keys a login by `name` from `address` (None: unknown) counts against."""
    return [user_key(name)] + ([address_key(address)] if address else [])


def password_check(
    user: str,
    password: str,
    throttle: LoginThrottle,
    address: Callable[[], str | None] = client_address.get,
) -> Callable[[str, str], bool]:
    """Gradio's `auth` function for the one login `user:password`, throttled by `throttle`
    per user name and per client address (`address()`, None when not known)."""
    expected = (_bytes(user), _bytes(password))

    def check(name: str, given: str) -> bool:
        where = address()
        keys = login_keys(name, where)
        if throttle.wait(keys) > 0:
            return False  # refused unchecked, and not counted
        # Both compared, in constant time: the time taken says nothing of which was wrong.
        same_user = hmac.compare_digest(_bytes(name), expected[0])
        same_password = hmac.compare_digest(_bytes(given), expected[1])
        if same_user and same_password:
            throttle.succeeded(user_key(name))
            return True
        delay = throttle.failed(keys)
        if delay:
            log.warning(
                "failed login for user %r from %s: logins for that user name or address are "
                "refused for up to %g s",
                name[:NAME_CHARS],
                where or "an unknown address",
                delay,
            )
        return False

    return check


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class ClientAddress:
    """ASGI middleware: sets `client_address` to the client of each HTTP request while it is
    handled (as uvicorn gives it; see the module's text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") if scope["type"] in ("http", "websocket") else None
        token = client_address.set(str(client[0]) if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            client_address.reset(token)
