"""Markdown escaping of user and file strings (dashboards.text.md)."""

from __future__ import annotations

import re

import pytest

from dashboards.text import md

PAYLOADS = [
    "[click me](https://evil.example/x) ![t](http://evil.example/b.png)",
    '<img src="http://evil.example/b.png"> <a href="https://evil.example">x</a> <script>1</script>',
    "# Heading\n\n- list\n1. item\n> quote\n| a | b |",
    "www.evil.example https://evil.example mail@evil.example",
    ":red[colour] :material/home: $x^2$ **bold** _it_ ~~strike~~ `code` &amp; \\",
]


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_markdown_character_of_a_user_string_is_escaped_and_shows_as_typed(payload):
    shown = md(payload)
    assert unescape(shown) == re.sub(r"\n+", " ", payload)  # one line, as typed
    # No special character is left bare: each one is preceded by its backslash.
    bare = re.sub(r"\\.", "", shown)
    assert not re.search(r"[\[\]()<>!#*_`~|$:&.\-/@\\]", bare), bare
    assert "\n" not in shown


def test_plain_words_and_digits_are_left_as_they_are():
    assert md("Organisation for Security 2026") == "Organisation for Security 2026"
    assert md(12) == "12"


def test_the_interface_texts_escape_the_values_they_are_given(monkeypatch):
    from dashboards import common as c

    monkeypatch.setattr(c, "lang", lambda: "en")
    text = c.t("imports.preview", file="[x](https://evil.example).xlsx", kind="organisations")
    assert unescape(text).startswith("Preview of [x](https://evil.example).xlsx")
    assert "https\u2060\\:" in text  # the browser's own linking of addresses is broken too
