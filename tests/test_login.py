"""Failed logins slow down (`qa.serve.login`): the delays, per user name and per client
address, on a fake clock; and through the running app's login page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from qa.serve.login import (
    ClientAddress,
    LoginPolicy,
    LoginThrottle,
    address_key,
    client_address,
    password_check,
    user_key,
)
from tests.conftest import free_port

USER, PASSWORD = "ada", "correct horse"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_delays_double_after_the_free_failures_up_to_the_cap() -> None:
    policy = LoginPolicy()
    assert [policy.delay(n) for n in range(1, 13)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert LoginPolicy(free_failures=0, first_delay=0.5, max_delay=3).delay(4) == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"free_failures": -1}, "free_failures >= 0"),
        ({"first_delay": 0}, "0 < first_delay <= max_delay"),
        ({"max_delay": 1000}, "max_delay <= forget_after"),
    ],
)
def test_a_policy_that_cannot_work_says_what_it_needs(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LoginPolicy(**fields)


def test_a_key_is_locked_for_the_delay_after_its_free_failures(clock: Clock) -> None:
    throttle = LoginThrottle(clock=clock)
    for _ in range(3):
        assert throttle.failed(["k"]) == 0 and throttle.wait(["k"]) == 0
    assert throttle.failed(["k"]) == 1 and throttle.wait(["k"]) == 1
    clock.now += 0.25
    assert throttle.wait(["k"]) == 0.75 and throttle.wait(["other"]) == 0
    clock.now += 0.75
    assert throttle.wait(["k"]) == 0
    assert throttle.failed(["k"]) == 2 and throttle.wait(["other", "k"]) == 2


def test_a_quiet_key_is_forgotten_and_memory_is_bounded(clock: Clock) -> None:
    throttle = LoginThrottle(LoginPolicy(max_keys=3), clock=clock)
    for _ in range(5):
        throttle.failed(["k"])
    clock.now += 899
    assert throttle.failures("k") == 5
    clock.now += 1
    assert throttle.failures("k") == 0 and throttle.wait(["k"]) == 0
    for key in ("a", "b", "c", "d"):
        throttle.failed([key])
    assert [throttle.failures(key) for key in "abcd"] == [0, 1, 1, 1]  # the oldest went


def test_the_fifth_wrong_login_is_refused_even_with_the_right_password(clock: Clock) -> None:
    throttle = LoginThrottle(clock=clock)
    check = password_check(USER, PASSWORD, throttle, lambda: "192.0.2.1")
    assert not any(check(USER, f"guess {n}") for n in range(4))
    clock.now += 0.9
    assert not check(USER, PASSWORD)  # locked: not even looked at ...
    assert throttle.failures(user_key(USER)) == 4  # ... and not counted
    clock.now += 0.1
    assert check(USER, PASSWORD)
    assert throttle.failures(user_key(USER)) == 0  # a success forgets the user's failures
    assert throttle.failures(address_key("192.0.2.1")) == 4  # not the address's


def test_failures_count_per_user_name_and_per_address(clock: Clock) -> None:
    throttle = LoginThrottle(clock=clock)
    where = {"address": "192.0.2.1"}
    check = password_check(USER, PASSWORD, throttle, lambda: where["address"])
    assert not any(check(f"user{n}", PASSWORD) for n in range(4))  # user names guessed
    assert not check(USER, PASSWORD)  # that address is locked
    where["address"] = "192.0.2.2"
    assert check(USER, PASSWORD)  # another address is not
    for n in range(4):  # one user name from many addresses
        where["address"] = f"198.51.100.{n}"
        assert not check(USER, "wrong")
    where["address"] = "198.51.100.200"
    assert not check(USER, PASSWORD)  # that user name is locked
    where["address"] = None  # an address that is not known: the user name still counts
    assert not check(USER, PASSWORD)


def test_passwords_are_compared_as_bytes_so_any_text_works(clock: Clock) -> None:
    check = password_check("zoë", "пароль密码", LoginThrottle(clock=clock), lambda: None)
    assert check("zoë", "пароль密码")
    assert not check("zoë", "пароль") and not check("zoe", "пароль密码")
    assert not check("zoë", "\ud800")  # a lone surrogate is a wrong password, not an error


def test_the_middleware_tells_the_check_the_client_address() -> None:
    seen: list[str | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(client_address.get())

    async def nothing() -> Any:
        return {}

    async def ignore(message: Any) -> None:
        return None

    middleware = ClientAddress(app)
    asyncio.run(middleware({"type": "http", "client": ("203.0.113.9", 5000)}, nothing, ignore))
    asyncio.run(middleware({"type": "http", "client": None}, nothing, ignore))
    asyncio.run(middleware({"type": "lifespan"}, nothing, ignore))
    assert seen == ["203.0.113.9", None, None] and client_address.get() is None


@pytest.fixture(scope="module")
def login_url(sample_assistant, tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    """The chat behind `--auth ada:...`, as `serve` launches it."""
    from app import build_app, login_options
    from qa.serve.collection import Collection

    port = free_port()
    demo = build_app(Collection(tmp_path_factory.mktemp("login") / "store", sample_assistant))
    demo.launch(
        **login_options((USER, PASSWORD)),
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
    )
    yield f"http://127.0.0.1:{port}"
    demo.close()


def _login(url: str, user: str, password: str, client: str) -> int:
    """The status of a login as the login page sends it, from `client` (a proxy on
    127.0.0.1 passing the client's address on, which uvicorn trusts)."""
    import httpx

    form = {"username": user, "password": password}
    headers = {"X-Forwarded-For": client}
    return httpx.post(f"{url}/login", data=form, headers=headers, timeout=30).status_code


@pytest.mark.slow
def test_the_app_refuses_the_right_password_until_the_delay_is_over(login_url: str) -> None:
    client = "192.0.2.10"
    assert [_login(login_url, USER, f"guess {n}", client) for n in range(3)] == [400] * 3
    before = time.monotonic()
    assert _login(login_url, USER, "guess 3", client) == 400  # locks the user name for 1 s
    after = time.monotonic()
    assert _login(login_url, USER, PASSWORD, client) == 400  # the 5th, with the right password
    assert time.monotonic() - before < 1  # (so it came within that second)
    time.sleep(max(0.0, after + 1.05 - time.monotonic()))
    assert _login(login_url, USER, PASSWORD, client) == 200


@pytest.mark.slow
def test_the_app_slows_one_address_guessing_user_names(login_url: str) -> None:
    guesser, other = "198.51.100.20", "198.51.100.21"
    assert [_login(login_url, f"admin{n}", PASSWORD, guesser) for n in range(4)] == [400] * 4
    assert _login(login_url, USER, PASSWORD, guesser) == 400
    assert _login(login_url, USER, PASSWORD, other) == 200
