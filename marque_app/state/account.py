"""The account page (/account): profile, saved addresses, password, delete account.

Every handler checks the user with the one guard first (``AuthState.require_user``), so a
logged-out or expired token is refused here even when the page is still open.
"""

from __future__ import annotations

import reflex as rx

from marque_app.domain.auth import AuthError
from marque_app.domain.email_verification import verification_state
from marque_app.services import addresses as address_services
from marque_app.services import auth as auth_services
from marque_app.services import payments as payment_services
from marque_app.services.addresses import AddressNotFound, AddressView
from marque_app.services.auth.ratelimit import get_rate_limiter
from marque_app.state.auth import AuthState, call_service, holds_user_data
from marque_app.views.payments import SavedCardView

NOT_FOUND = "This address no longer exists; reload the page"


def cards_configured() -> bool:
    """The saved cards section shows when Stripe is set up (settings only: no I/O)."""
    return payment_services.card_payments_enabled()


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@holds_user_data
class AccountState(rx.State):
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    has_password: bool = False
    email_verified: bool = False
    email_state: str = "none"  # domain.email_verification.verification_state: none | verified | unverified
    verify_notice: str = ""  # "We sent a verification link to ..." or why not
    addresses: list[AddressView] = []
    is_loaded: bool = False
    profile_error: str = ""
    profile_error_field: str = ""
    password_error: str = ""
    address_error: str = ""
    address_error_field: str = ""
    address_dialog_open: bool = False
    address_draft: AddressView = AddressView()
    address_form_key: int = 0  # re-mounts the dialog's form with the draft's values
    delete_error: str = ""
    cards_enabled: bool = False  # Stripe is set up: the saved cards section shows
    cards: list[SavedCardView] = []
    cards_error: str = ""

    def _profile(self, user: auth_services.UserPublic) -> None:
        self.first_name, self.last_name = user.first_name, user.last_name
        self.email, self.phone = user.email or "", user.phone or ""
        self.has_password = user.has_password
        self.email_verified = user.email_verified
        self.email_state = verification_state(email=user.email, verified=user.email_verified)

    @rx.event
    async def load_account(self):
        """After ``AuthState.guard_page``: the profile and addresses of the logged-in user."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        self._profile(user.user)
        self.addresses = await call_service(address_services.list_addresses, user_id=user.id)
        await self._cards(user.id)
        self.profile_error = self.password_error = self.address_error = self.delete_error = ""
        self.verify_notice = ""
        self.address_dialog_open = False
        self.is_loaded = True
        return None

    # --- profile -------------------------------------------------------------------------------

    @rx.event
    async def save_profile(self, form: dict):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        self.profile_error = self.profile_error_field = ""
        try:
            public = await call_service(
                auth_services.update_profile,
                user_id=user.id,
                first_name=_text(form, "first_name"),
                last_name=_text(form, "last_name"),
                email=_text(form, "email") or None,
                mailer=auth_services.get_email_sender(),  # a new address gets its verification link
            )
        except AuthError as err:
            self.profile_error, self.profile_error_field = err.message, err.field or ""
            return None
        changed = public.email != self.email and bool(public.email)
        self._profile(public)
        auth._apply(public)
        if changed and not public.email_verified:
            self.verify_notice = f"We sent a verification link to {public.email}"
        return rx.toast.success("Profile saved")

    @rx.event
    async def resend_verification(self):
        """E-mail a new verification link (limited: ``verification.resend_verification``)."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        try:
            sent = await call_service(
                auth_services.resend_verification,
                user_id=user.id,
                mailer=auth_services.get_email_sender(),
                limiter=get_rate_limiter(),
            )
        except AuthError as err:
            self.verify_notice = err.message
            if err.kind == "conflict":
                self.email_verified, self.email_state = True, "verified"
            return None
        except auth_services.DeliveryError:
            self.verify_notice = "We could not send the e-mail just now; try again in a minute"
            return None
        self.verify_notice = f"We sent a verification link to {sent.email}"
        return rx.toast.success("Verification e-mail sent")

    @rx.event
    async def change_password(self, form: dict):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        self.password_error = ""
        new = _text(form, "new_password")
        if new != _text(form, "confirm_password"):
            self.password_error = "The two new passwords differ"
            return None
        try:
            result = await call_service(
                auth_services.change_password,
                user_id=user.id,
                current_password=_text(form, "current_password") or None,
                new_password=new,
            )
        except AuthError as err:
            self.password_error = err.message
            return None
        self.has_password = True
        auth.token = result.access_token  # the other sessions ended; this one carries on
        auth._apply(result.user)
        return [
            rx.toast.success("Password changed"),
            rx.set_value("current_password", ""),
            rx.set_value("new_password", ""),
            rx.set_value("confirm_password", ""),
        ]

    # --- addresses -----------------------------------------------------------------------------

    @rx.event
    def open_address(self, address_id: str = ""):
        """Open the address dialog: a new address ("") or one to edit."""
        draft = next((a for a in self.addresses if a.id == address_id), None)
        self.address_draft = draft or AddressView(first_name=self.first_name, last_name=self.last_name)
        self.address_error = self.address_error_field = ""
        self.address_form_key += 1
        self.address_dialog_open = True

    @rx.event
    def set_address_dialog(self, is_open: bool):
        self.address_dialog_open = is_open

    async def _addresses(self, user_id) -> None:
        self.addresses = await call_service(address_services.list_addresses, user_id=user_id)

    @rx.event
    async def save_address(self, form: dict):
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        self.address_error = self.address_error_field = ""
        data = {
            name: _text(form, name)
            for name in (
                "type",
                "first_name",
                "last_name",
                "company",
                "address_line_1",
                "address_line_2",
                "city",
                "state",
                "postal_code",
                "country",
                "phone",
            )
        }
        data["is_default"] = form.get("is_default") in (True, "on", "true")
        try:
            await call_service(
                address_services.save_address, user_id=user.id, data=data, address_id=self.address_draft.id or None
            )
        except AuthError as err:
            self.address_error, self.address_error_field = err.message, err.field or ""
            return None
        except AddressNotFound:
            self.address_error = NOT_FOUND
            return None
        await self._addresses(user.id)
        self.address_dialog_open = False
        return rx.toast.success("Address saved")

    @rx.event
    async def delete_address(self, address_id: str):
        return await self._change_address(address_services.delete_address, address_id, "Address deleted")

    @rx.event
    async def make_default(self, address_id: str):
        return await self._change_address(address_services.set_default_address, address_id, "")

    async def _change_address(self, service, address_id: str, done: str):
        """Run an address service for the logged-in user, then show the list as it is now."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        try:
            await call_service(service, user_id=user.id, address_id=address_id)
        except AddressNotFound:
            await self._addresses(user.id)
            return rx.toast.error(NOT_FOUND)
        await self._addresses(user.id)
        return rx.toast.info(done) if done else None

    # --- saved cards -------------------------------------------------------------------------

    async def _cards(self, user_id) -> None:
        self.cards_enabled = cards_configured()
        self.cards_error = ""
        if not self.cards_enabled:
            self.cards = []
            return
        try:
            self.cards = await call_service(payment_services.saved_cards.list_cards, user_id=user_id)
        except payment_services.PaymentError as err:
            self.cards, self.cards_error = [], err.message

    @rx.event
    async def remove_card(self, card_id: str):
        """Detach one of the user's saved cards at Stripe; the list as it is now."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        try:
            await call_service(payment_services.saved_cards.remove_card, user_id=user.id, card_id=card_id)
        except payment_services.PaymentError as err:
            await self._cards(user.id)
            return rx.toast.error(err.message)
        await self._cards(user.id)
        return rx.toast.info("Card removed")

    # --- delete account ------------------------------------------------------------------------

    @rx.event
    async def delete_account(self, form: dict):
        """Delete the account after the dialog's confirmation (type DELETE)."""
        auth = await self.get_state(AuthState)
        user = await auth.require_user()
        if user is None:
            self.reset()
            return auth.refusal()
        if _text(form, "confirm").strip().upper() != "DELETE":
            self.delete_error = "Type DELETE to confirm"
            return None
        try:
            await call_service(
                auth_services.delete_account, user_id=user.id, claims=user.claims, redis=auth_services.get_redis()
            )
        except AuthError as err:
            self.delete_error = err.message
            return None
        self.reset()
        return await auth._end_session("Your account was deleted")
