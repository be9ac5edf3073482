"""The session cookie's routes and one-time hand-over codes (no server, no database)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from dashboards import web_session


def request(body: bytes = b"", headers: dict[str, str] | None = None, scheme: str = "http") -> Request:
    scope = {"type": "http", "method": "POST", "path": "/api/session", "scheme": scheme, "query_string": b"",
             "server": ("127.0.0.1", 8501),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def test_a_hand_over_code_gives_its_token_once():
    code = web_session.handover("the-token")
    assert code != "the-token" and len(code) >= 32
    assert web_session.claim(code) == "the-token"
    assert web_session.claim(code) is None
    assert web_session.claim("guessed") is None


def test_an_expired_hand_over_code_gives_nothing(monkeypatch):
    code = web_session.handover("tok")
    later = web_session.time.monotonic() + web_session.HANDOVER_SECONDS + 1
    monkeypatch.setattr(web_session.time, "monotonic", lambda: later)
    assert web_session.claim(code) is None


def test_waiting_codes_are_bounded():
    codes = [web_session.handover(f"t{i}") for i in range(web_session.MAX_PENDING + 10)]
    assert web_session.claim(codes[0]) is None  # the oldest gave way
    assert web_session.claim(codes[-1]) == f"t{web_session.MAX_PENDING + 9}"


def test_the_cookie_is_http_only_lax_and_lasts_the_configured_hours(monkeypatch):
    monkeypatch.setenv("BUDGET_SESSION_HOURS", "3")
    code = web_session.handover("tok-123")
    response = asyncio.run(web_session.set_cookie_route(request(code.encode())))
    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("budget_session=tok-123;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=10800" in cookie
    assert "Secure" not in cookie  # plain HTTP on this machine
    https = asyncio.run(web_session.set_cookie_route(
        request(web_session.handover("t").encode(), {"X-Forwarded-Proto": "https"})))
    assert "Secure" in https.headers["set-cookie"]


def test_a_wrong_or_replayed_code_sets_no_cookie():
    code = web_session.handover("tok")
    assert asyncio.run(web_session.set_cookie_route(request(code.encode()))).status_code == 204
    for body in (code.encode(), b"", b"x" * 100_000):
        response = asyncio.run(web_session.set_cookie_route(request(body)))
        assert response.status_code == 400 and "set-cookie" not in response.headers


def test_ending_deletes_the_cookie():
    response = asyncio.run(web_session.end_cookie_route(request()))
    assert response.status_code == 204
    assert "Max-Age=0" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
