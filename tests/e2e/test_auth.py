"""Log-in in the browser: phone code (read from the server log), e-mail, register, account, log-out.

The app runs with the default log SMS sender, so the code is read from its
``SMS to <E.164>: Your Marque code is 123456. ...`` line (the ``server_log`` fixture).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_with_email, log_out, wait_for_hydration
from tests.phones import fresh_typed_phone

SHOPPER_EMAIL, SHOPPER_PASSWORD = "shopper@marque.test", "Shopper#2026"


def _fresh_phone() -> tuple[str, str]:
    """A new valid US number: (as typed, E.164)."""
    return fresh_typed_phone()


def _storage(page) -> dict:
    return page.evaluate("() => ({local: {...localStorage}, session: {...sessionStorage}, cookies: document.cookie})")


def _token(page) -> str:
    """The stored token ("" when there is none: log-out empties the key)."""
    return page.evaluate("() => localStorage.getItem('marque_token')") or ""


def _me_status(base_url: str, token: str) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def _toast(page, text: str):
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _log_in_with_email(page, email: str = SHOPPER_EMAIL, password: str = SHOPPER_PASSWORD) -> None:
    log_in_with_email(page, email, password)


def test_guest_logs_in_with_the_phone_code_stays_logged_in_and_logs_out(goto, page, base_url, server_log):
    typed, e164 = _fresh_phone()
    goto("/")
    page.get_by_test_id("login-link").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("login-tab-phone")).to_have_attribute("data-state", "active")

    # a number that is not one
    page.get_by_test_id("phone-input").fill("12")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("Enter a valid phone number")
    expect(page.get_by_test_id("code-input")).to_have_count(0)

    mark = server_log.mark()
    page.get_by_test_id("phone-input").fill(typed)
    page.get_by_test_id("send-code").click()
    code_input = page.get_by_test_id("code-input")
    expect(code_input).to_be_visible()
    expect(code_input).to_have_attribute("autocomplete", "one-time-code")
    expect(code_input).to_have_attribute("inputmode", "numeric")
    expect(page.get_by_test_id("auth-error")).to_have_count(0)
    code = server_log.wait_for(rf"SMS to {re.escape(e164)}: Your Marque code is (\d{{6}})\.", after=mark).group(1)
    assert code not in page.content()  # the code is only in the SMS

    # the resend link waits for a live countdown (the server's 60 s gap)
    countdown = page.get_by_test_id("resend-countdown")
    expect(countdown).to_contain_text(re.compile(r"\b(5\d|60) s"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)  # it counts down
    expect(page.get_by_test_id("resend-code")).to_have_count(0)

    # a wrong code says how many tries are left
    wrong = "000000" if code != "000000" else "111111"
    code_input.fill(wrong)
    page.get_by_test_id("verify-code").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("Wrong code; 4 tries left")

    # paste the code as an SMS app copies it ("123 456")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.evaluate("text => navigator.clipboard.writeText(text)", f"{code[:3]} {code[3:]}")
    code_input.fill("")
    code_input.focus()
    page.keyboard.press("ControlOrMeta+V")
    expect(code_input).to_have_value(f"{code[:3]} {code[3:]}")
    page.get_by_test_id("verify-code").click()

    expect(_toast(page, "Logged in!")).to_be_visible()
    expect(page).to_have_url(f"{base_url}/")
    menu = page.get_by_test_id("account-menu")
    expect(menu).to_be_visible()
    expect(menu).to_contain_text(e164)
    expect(page.get_by_test_id("login-link")).to_have_count(0)
    token = _token(page)
    assert token and token.count(".") == 2

    # a reload keeps the user logged in (the token comes back from local storage)
    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    expect(page.get_by_test_id("login-link")).to_have_count(0)

    goto("/account")
    expect(page.get_by_test_id("account-page")).to_be_visible()
    expect(page.get_by_test_id("profile-phone")).to_have_value(e164)
    expect(page.get_by_test_id("no-addresses")).to_be_visible()

    log_out(page)
    expect(_toast(page, "Logged out")).to_be_visible()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    expect(page.get_by_test_id("wishlist-count")).to_have_text("0")

    # nothing of the account is left in the browser, and the token is dead on the server
    assert _token(page) == ""
    stored = json.dumps(_storage(page))
    assert token not in stored and e164 not in stored and e164[2:] not in stored
    assert e164 not in page.content()
    assert _me_status(base_url, token) == 401

    goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    expect(page.get_by_test_id("login-page")).to_be_visible()


def test_email_log_in_wrong_password_then_next_page(goto, page, base_url):
    goto("/account")  # a guest is sent to log in first, and comes back after
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))

    _log_in_with_email(page, password="Wrong#2026")
    expect(page.get_by_test_id("auth-error")).to_have_text("Wrong e-mail or password")
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    assert not _token(page)

    page.get_by_test_id("password-input").fill(SHOPPER_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(_toast(page, "Logged in!")).to_be_visible()
    expect(page).to_have_url(f"{base_url}/account")
    expect(page.get_by_test_id("account-page")).to_be_visible()
    expect(page.get_by_test_id("profile-email")).to_have_value(SHOPPER_EMAIL)
    expect(page.get_by_test_id("profile-name")).to_have_value("Sam")
    expect(page.get_by_test_id("account-menu")).to_contain_text("Sam Shopper")


def test_tampered_token_counts_as_logged_out(goto, page, base_url):
    goto("/login?next=//evil.example/")  # only a same-site path is followed after log-in
    _log_in_with_email(page)
    expect(_toast(page, "Logged in!")).to_be_visible()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    token = _token(page)
    assert token
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{('A' if signature[0] != 'A' else 'B')}{signature[1:]}"
    page.evaluate("t => localStorage.setItem('marque_token', t)", forged)

    page._marque_frames.clear()
    page.reload()
    wait_for_hydration(page)
    expect(_toast(page, "Session expired, please login")).to_be_visible()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    assert _token(page) == ""


def test_register_shows_the_password_rules_then_edits_the_account(goto, page, base_url):
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    goto("/login")
    page.get_by_test_id("login-tab-email").click()
    page.get_by_test_id("register-link").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    rules = page.get_by_test_id("password-rule")
    expect(rules).to_have_count(3)

    page.get_by_test_id("first-name-input").fill("Robin")
    page.get_by_test_id("email-input").fill(email)
    page.get_by_test_id("password-input").fill("short1")
    expect(rules.nth(1)).to_have_attribute("data-ok", "true")  # a number
    expect(rules.nth(0)).to_have_attribute("data-ok", "false")  # 8 characters
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("Password needs at least 8 characters")

    page.get_by_test_id("password-input").fill("Longer#pass1")
    expect(page.locator("[data-testid=password-rule][data-ok=true]")).to_have_count(3)
    page.get_by_test_id("register-submit").click()
    expect(_toast(page, "Logged in!")).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_contain_text("Robin")

    goto("/account")
    page.get_by_test_id("address-add").click()
    page.get_by_test_id("address-address-line-1").fill("1 Main St")
    page.get_by_test_id("address-city").fill("Springfield")
    page.get_by_test_id("address-state").fill("IL")
    page.get_by_test_id("address-postal-code").fill("62701")
    page.get_by_test_id("address-last-name").fill("Reed")
    page.get_by_test_id("address-save").click()
    item = page.get_by_test_id("address-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("1 Main St")
    expect(item.get_by_test_id("address-default")).to_be_visible()

    page.get_by_test_id("profile-name").fill("Robyn")
    page.get_by_test_id("profile-save").click()
    expect(_toast(page, "Profile saved")).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_contain_text("Robyn")

    item.get_by_test_id("address-delete").click()
    expect(page.get_by_test_id("address-item")).to_have_count(0)

    page.get_by_test_id("delete-account").click()
    page.get_by_test_id("delete-account-confirm").click()
    expect(page.get_by_test_id("delete-error")).to_have_text("Type DELETE to confirm")
    page.get_by_test_id("delete-confirm-input").fill("DELETE")
    page.get_by_test_id("delete-account-confirm").click()
    expect(_toast(page, "Your account was deleted")).to_be_visible()
    expect(page.get_by_test_id("login-link")).to_be_visible()
    assert _token(page) == ""

    # the account is gone: its password no longer logs in
    goto("/login")
    _log_in_with_email(page, email, "Longer#pass1")
    expect(page.get_by_test_id("auth-error")).to_have_text("Wrong e-mail or password")


def test_forgot_and_reset_password_with_the_e_mailed_link(goto, page, base_url, server_log):
    email = f"reset-{uuid.uuid4().hex[:8]}@example.com"
    goto("/register")
    page.get_by_test_id("email-input").fill(email)
    page.get_by_test_id("password-input").fill("First#pass1")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    log_out(page)
    expect(page.get_by_test_id("login-link")).to_be_visible()

    goto("/login")
    page.get_by_test_id("login-tab-email").click()
    page.get_by_test_id("forgot-link").click()
    expect(page).to_have_url(re.compile(r"/forgot-password$"))
    # The URL changes a moment before the new page replaces the log-in page, whose e-mail tab
    # has an "email-input" too: fill only once the forgot-password form is the one on screen.
    expect(page.get_by_test_id("forgot-page")).to_be_visible()
    expect(page.get_by_test_id("login-tab-email")).to_have_count(0)
    mark = server_log.mark()
    page.get_by_test_id("email-input").fill(email)
    page.get_by_test_id("forgot-submit").click()
    expect(page.get_by_test_id("auth-notice")).to_contain_text("If an account uses this e-mail")
    token = server_log.wait_for(rf"E-mail to {re.escape(email)}: .*?/reset-password\?token=([\w-]+)", after=mark).group(
        1
    )

    goto(f"/reset-password?token={token}")
    page.get_by_test_id("password-input").fill("Second#pass2")
    page.get_by_test_id("confirm-password-input").fill("Second#pass3")
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("auth-error")).to_have_text("The two passwords differ")
    page.get_by_test_id("confirm-password-input").fill("Second#pass2")
    page.get_by_test_id("reset-submit").click()
    expect(_toast(page, "Password changed")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login\?tab=email$"))

    _log_in_with_email(page, email, "Second#pass2")
    expect(_toast(page, "Logged in!")).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_be_visible()

    # the link works once
    goto(f"/reset-password?token={token}")
    page.get_by_test_id("password-input").fill("Third#pass3")
    page.get_by_test_id("confirm-password-input").fill("Third#pass3")
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("auth-error")).to_contain_text("invalid or has been used")
