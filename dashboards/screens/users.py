"""Users (admin role): the dashboard accounts; add, disable or enable, reset a password,
change the role and directorates.

Every change calls the same service function as ``budget users`` (``budget.services.users``:
password length, role names, directorate codes, the last active admin kept), in a unit of
work of the logged-in admin, so it is audited with them on channel ``dashboard``. Passwords
are never shown, except a generated temporary one, once, to the admin who made it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from budget.errors import BudgetError, DuplicateEntryError, NotFoundError, UnknownDirectorateError
from budget.services import users, views
from budget.uow import UnitOfWork
from dashboards import common as c

c.page_header("users.title", "users.caption")
c.require_role("admin")

DONE_KEY = "users_done"
SECRET_KEY = "users_temporary_password"


def refusal(exc: BudgetError) -> str:
    """The rule that refused the change, in the user's language."""
    if isinstance(exc, users.AccountRuleError):
        return c.t(f"users.err.{exc.rule}", **exc.values)
    if isinstance(exc, UnknownDirectorateError):
        return c.t("users.err.directorate")
    if isinstance(exc, DuplicateEntryError):
        return c.t("users.err.duplicate")
    if isinstance(exc, NotFoundError):
        return c.t("users.err.not_found")
    return c.md(exc.message)


def apply(change: Callable[[UnitOfWork], users.UserInfo], done_key: str,
          password: str | None = None) -> None:
    """Run one change in a unit of work of the admin; a refusal is one message."""
    try:
        with c.write_uow() as uow:
            info = change(uow)
            uow.commit()
    except BudgetError as exc:
        st.error(refusal(exc), icon=":material/error:")
        return
    c.after_write()
    st.session_state[DONE_KEY] = c.t(done_key, user=info.username)
    if password is not None:
        st.session_state[SECRET_KEY] = (info.username, password)
    st.rerun()


def chosen_password(typed: str, again: str) -> tuple[str | None, bool]:
    """(the password to set, generated?) or (None, False) after saying why not."""
    if not typed and not again:
        return users.temporary_password(), True
    if typed != again:
        st.error(c.t("users.err.mismatch"), icon=":material/error:")
        return None, False
    return typed, False


def role_labels() -> dict[str, str]:
    """The roles' names in the user's language (taken once: a widget's labels are fixed)."""
    return {role: c.t(f"role.{role}") for role in users.ROLES}


def show_outcome() -> None:
    """The last change's message, and a generated password once (gone at the next run)."""
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(done, icon=":material/task_alt:")
    secret = st.session_state.pop(SECRET_KEY, None)
    if secret:
        st.info(c.t("users.temporary", user=secret[0]), icon=":material/key:")
        st.code(secret[1], language=None)


def accounts_table(accounts: list[users.UserInfo]) -> None:
    yes, no, every = c.t("common.yes"), c.t("common.no"), c.t("auth.all_directorates")
    df = c.frame(accounts, {
        c.t("users.col_user"): lambda u: u.username,
        c.t("users.col_role"): lambda u: role_labels()[u.role],
        c.t("users.col_directorates"): lambda u: ", ".join(u.directorates) if u.directorates else every,
        c.t("users.col_active"): lambda u: yes if u.active else no,
        c.t("users.col_last_login"): lambda u: (
            f"{c.fmt_date(u.last_login_at.date())} {u.last_login_at:%H:%M}" if u.last_login_at else "–"),
        c.t("users.col_failed"): lambda u: u.failed_logins,
        c.t("users.col_created"): lambda u: u.created_at.date(),
    })
    c.money_table(df, key="users_table", keys=[c.t("users.col_user")])


def add_form(codes: list[str]) -> None:
    with st.form("users_add", clear_on_submit=True):
        st.markdown(f"**{c.t('users.add')}**")
        a, b = st.columns(2)
        name = a.text_input(c.t("users.col_user"), max_chars=80, key="ua_name")
        role = b.selectbox(c.t("users.col_role"), list(users.ROLES), format_func=role_labels().__getitem__,
                           key="ua_role")
        dirs = st.multiselect(c.t("users.col_directorates"), codes, key="ua_dirs",
                              placeholder=c.t("auth.all_directorates"), help=c.t("users.dirs_help"))
        p1, p2 = st.columns(2)
        typed = p1.text_input(c.t("users.password"), type="password", key="ua_pw",
                              max_chars=users.MAX_PASSWORD_LENGTH, help=c.t("users.password_help"))
        again = p2.text_input(c.t("users.password_again"), type="password", key="ua_pw2",
                              max_chars=users.MAX_PASSWORD_LENGTH)
        submitted = st.form_submit_button(c.t("users.add_button"), type="primary",
                                          icon=":material/person_add:")
    if submitted:
        password, generated = chosen_password(typed, again)
        if password is not None:
            apply(lambda uow: users.add_user(uow, name, password, role, dirs or None), "users.added",
                  password if generated else None)


def change_forms(account: users.UserInfo, codes: list[str]) -> None:
    name = account.username
    with st.form(f"users_access_{name}"):
        st.markdown(f"**{c.t('users.access')}**")
        a, b = st.columns([1, 2])
        role = a.selectbox(c.t("users.col_role"), list(users.ROLES), index=list(users.ROLES).index(account.role),
                           format_func=role_labels().__getitem__, key=f"ux_role_{name}")
        dirs = b.multiselect(c.t("users.col_directorates"), codes, key=f"ux_dirs_{name}",
                             default=[d for d in account.directorates or () if d in codes],
                             placeholder=c.t("auth.all_directorates"), help=c.t("users.dirs_help"))
        if st.form_submit_button(c.t("users.save_access"), icon=":material/save:"):
            apply(lambda uow: users.set_access(uow, name, role=role, directorates=dirs or None,
                                               all_directorates=not dirs), "users.access_saved")
    with st.form(f"users_reset_{name}", clear_on_submit=True):
        st.markdown(f"**{c.t('users.reset')}**")
        p1, p2 = st.columns(2)
        typed = p1.text_input(c.t("users.password"), type="password", key=f"ux_pw_{name}",
                              max_chars=users.MAX_PASSWORD_LENGTH, help=c.t("users.password_help"))
        again = p2.text_input(c.t("users.password_again"), type="password", key=f"ux_pw2_{name}",
                              max_chars=users.MAX_PASSWORD_LENGTH)
        if st.form_submit_button(c.t("users.reset_button"), icon=":material/key:"):
            password, generated = chosen_password(typed, again)
            if password is not None:
                apply(lambda uow: users.set_password(uow, name, password), "users.password_set",
                      password if generated else None)
    if account.active:
        if st.button(c.t("users.disable"), icon=":material/person_off:", key=f"ux_off_{name}"):
            apply(lambda uow: users.disable_user(uow, name), "users.disabled")
    elif st.button(c.t("users.enable"), icon=":material/person_check:", key=f"ux_on_{name}"):
        apply(lambda uow: users.enable_user(uow, name), "users.enabled")


with c.guard():
    show_outcome()
    with c.read_uow() as read:  # fresh: a log-in changes an account without a new data version
        accounts = users.list_users(read)
    codes = [d.code for d in c.cached(views.directorates_list)]
    if accounts:
        accounts_table(accounts)
    else:
        c.empty_state("users.none")
    left, right = st.columns(2, gap="large")
    with left:
        add_form(codes)
    with right:
        by_name = {u.username: u for u in accounts}
        picked = st.selectbox(c.t("users.pick"), list(by_name), index=None,
                              placeholder=c.t("users.pick_placeholder"), key="users_pick")
        if picked is not None:
            change_forms(by_name[picked], codes)
