"""The dashboard with its session routes: ``streamlit run dashboards/serve.py``.

``st.App`` serves ``app.py`` exactly as ``streamlit run dashboards/app.py`` does, plus the
two routes that set and delete the HttpOnly session cookie (``dashboards/web_session.py``),
so that a reload or a link keeps the user logged in for ``BUDGET_SESSION_HOURS``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboards/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboards import web_session  # noqa: E402

app = st.App(Path(__file__).resolve().with_name("app.py"), routes=web_session.routes())
