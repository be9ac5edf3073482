"""Escaping of user and file strings for the places Streamlit renders as Markdown.

Titles, headers, captions, ``st.markdown``, ``st.info``/``warning``/``error``/``success``,
metric labels, widget labels and radio options all go through Streamlit's Markdown
renderer: an organisation named ``[click me](https://x) ![t](http://x/b.png)`` would become
a live link and an image the browser fetches. :func:`md` is the one helper for every such
string: the interface texts (``dashboards.common.t``) escape the values they are given
with it, and a page that shows a name or a message of its own passes it through ``md``.
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character that means something to Streamlit's Markdown:
#: CommonMark (links, images, emphasis, code, headings, lists, HTML, entities), GFM
#: (tables, strikethrough, autolinks such as ``https://`` and ``www.``), LaTeX (``$``) and
#: Streamlit's own directives (``:red[...]``, ``:material/icon:``). CommonMark lets any
#: ASCII punctuation be escaped with a backslash, which then shows the character itself.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&\"'=^%@/;?])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\u0085\x0b\x0c]+")
#: Where the browser's renderer still finds a bare address after the escapes (it links
#: ``https://``, ``www.`` and ``name@host`` in the text it shows, seen in Chromium): an
#: invisible word joiner there breaks the pattern and shows the same characters.
_AUTOLINKS = re.compile(r"(?<=[A-Za-z])(?=\\:)|(?=\\@)|(?i:(?<=www)(?=\\\.))")
WORD_JOINER = "\u2060"


def md(value: object) -> str:
    """``value`` as text that Markdown shows literally: no link, image, HTML or heading.

    Line breaks become spaces (a name or a message is one line; a break could start a new
    Markdown block such as a heading or a list).
    """
    text = _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
    return _AUTOLINKS.sub(WORD_JOINER, text)
