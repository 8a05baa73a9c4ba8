"""E-mail verification in a real browser: registering sends a link (read from the log e-mail
sender's line in the server log, as the password-reset test does), the account shows the address
unverified with a resend button (limited), the link verifies it once."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect


def test_register_verify_with_the_e_mailed_link_and_the_account_shows_it(goto, page, server_log):
    email = f"verify-{uuid.uuid4().hex[:8]}@example.com"
    mark = server_log.mark()
    goto("/register")
    page.get_by_test_id("email-input").fill(email)
    page.get_by_test_id("password-input").fill("First#pass1")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    token = server_log.wait_for(
        rf"E-mail to {re.escape(email)}: Verify .*?/verify-email\?token=([\w-]+)", after=mark
    ).group(1)

    goto("/account")
    expect(page.get_by_test_id("email-status")).to_have_text("Not verified")
    # a link was sent moments ago: a new one waits its interval
    page.get_by_test_id("email-verify-resend").click()
    expect(page.get_by_test_id("email-verify-notice")).to_contain_text("sent moments ago")

    goto(f"/verify-email?token={token}")
    expect(page.get_by_test_id("verify-ok")).to_contain_text(f"{email} is verified")
    goto("/account")
    expect(page.get_by_test_id("email-status")).to_contain_text("Verified")
    expect(page.get_by_test_id("email-verify-resend")).to_have_count(0)

    # the link works once
    goto(f"/verify-email?token={token}")
    expect(page.get_by_test_id("verify-error")).to_contain_text("invalid or has been used")
