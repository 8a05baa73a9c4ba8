"""Back-in-stock alerts against a real database: subscribe, every restock path marks them due,
a flush sends each once, a failed send is tried again later, and the signed link cancels."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marque_app.api.errors import http_status
from marque_app.domain.stock_alerts import StockAlertError
from marque_app.models import ProductVariant, StockAlert, UserRole
from marque_app.models.types import utcnow
from marque_app.services import checkout, order_changes, orders, restocks, stock_alerts
from marque_app.services.admin import Actor, inventory, products, reports, returns
from marque_app.services.admin import orders as admin_orders
from marque_app.services.auth import CapturingEmailSender, CapturingSmsSender, DeliveryError
from tests.cartutil import make_product, make_user
from tests.orderutil import address, fill_cart
from tests.phones import fresh_phone


class FailingSms:
    """An SMS provider that is down: every send raises, nothing is delivered."""

    def __init__(self) -> None:
        self.tries = 0

    def send(self, phone: str, text: str) -> None:
        self.tries += 1
        raise DeliveryError("Twilio answered 503")


@pytest.fixture
def admin(session) -> Actor:
    user = make_user(session, role=UserRole.admin)
    return Actor(id=user.id, email=user.email)


def guest_email() -> str:
    return f"alert-{uuid.uuid4().hex[:10]}@example.com"


def row(session, alert_id) -> StockAlert:
    session.expire_all()
    return session.get(StockAlert, uuid.UUID(str(alert_id)))


def restock(session, admin, variant, quantity=3):
    return inventory.adjust_stock(
        session=session, actor=admin, variant_id=variant.id, data={"quantity_change": quantity, "reason": "Delivery"}
    )


def flush(session, *, sms=None, mail=None, now=None):
    return stock_alerts.flush(
        session=session, sms=sms or CapturingSmsSender(), mailer=mail or CapturingEmailSender(), now=now
    )


def test_a_shopper_with_a_phone_is_texted_one_without_is_mailed_a_guest_types_an_address(session):
    _, (variant,) = make_product(session, stock=(0,))
    texted = make_user(session, phone=fresh_phone())
    mailed = make_user(session)
    typed = guest_email()
    by_sms = stock_alerts.subscribe(session=session, sku_id=variant.id, user_id=texted.id)
    by_mail = stock_alerts.subscribe(session=session, sku_id=str(variant.id), user_id=mailed.id)
    guest = stock_alerts.subscribe(session=session, sku_id=variant.id, email=f"  {typed.upper()} ")
    assert (by_sms.channel, by_sms.contact) == ("sms", texted.phone)
    assert (by_mail.channel, by_mail.contact) == ("email", mailed.email)
    assert (guest.channel, guest.contact, guest.status) == ("email", typed, "waiting")
    assert by_sms.sku_id == str(variant.id) and by_sms.product_url.startswith("/products/")
    # one subscription per (SKU, contact): asking again returns the same one
    again = stock_alerts.subscribe(session=session, sku_id=variant.id, email=typed)
    assert again.id == guest.id
    assert [a.id for a in stock_alerts.list_mine(session=session, user_id=texted.id)] == [by_sms.id]
    assert stock_alerts.list_mine(session=session, user_id=make_user(session).id) == []
    count = session.execute(sa.select(sa.func.count()).where(StockAlert.product_variant_id == variant.id)).scalar_one()
    assert count == 3
    assert restocks.subscriber_counts(session=session, variant_ids=[variant.id]) == {str(variant.id): 3}


@pytest.mark.parametrize(
    ("kwargs", "kind", "field"),
    [
        ({"email": None}, "invalid", "email"),  # a guest must type an address
        ({"email": "not-an-address"}, "invalid", "email"),
        ({"email": "a@b"}, "invalid", "email"),
    ],
)
def test_a_guest_without_a_valid_address_is_refused_and_nothing_is_kept(session, kwargs, kind, field):
    _, (variant,) = make_product(session, stock=(0,))
    with pytest.raises(StockAlertError) as err:
        stock_alerts.subscribe(session=session, sku_id=variant.id, **kwargs)
    assert (err.value.kind, err.value.field, http_status(err.value)) == (kind, field, 422)
    assert restocks.subscriber_counts(session=session, variant_ids=[variant.id]) == {}


def test_an_in_stock_untracked_or_unknown_sku_is_refused(session):
    _, (in_stock,) = make_product(session, stock=(2,))
    _, (untracked,) = make_product(session, stock=(0,), track_inventory=False)
    _, (backorder,) = make_product(session, stock=(0,), allow_backorder=True)
    for variant in (in_stock, untracked, backorder):
        with pytest.raises(StockAlertError) as err:
            stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
        assert http_status(err.value) == 409 and err.value.field == "sku_id"
    for sku_id in (uuid.uuid4(), "nonsense"):
        with pytest.raises(StockAlertError) as err:
            stock_alerts.subscribe(session=session, sku_id=sku_id, email=guest_email())
        assert http_status(err.value) == 404


def test_an_admin_restock_sends_one_message_per_subscriber_once(session, admin):
    product, (variant, other) = make_product(session, stock=(0, 0))
    shopper = make_user(session, phone=fresh_phone())
    typed = guest_email()
    texted = stock_alerts.subscribe(session=session, sku_id=variant.id, user_id=shopper.id)
    mailed = stock_alerts.subscribe(session=session, sku_id=variant.id, email=typed)
    elsewhere = stock_alerts.subscribe(session=session, sku_id=other.id, email=typed)
    sms, mail = CapturingSmsSender(), CapturingEmailSender()
    assert flush(session, sms=sms, mail=mail).sent == 0  # nothing restocked yet

    restock(session, admin, variant)
    assert row(session, texted.id).due_at is not None and row(session, elsewhere.id).due_at is None
    result = flush(session, sms=sms, mail=mail)
    assert (result.sent, result.failed) == (2, 0)
    assert [to for to, _ in sms.sent] == [shopper.phone]
    assert "back in stock" in sms.sent[0][1] and f"/products/{product.slug}" in sms.sent[0][1]
    assert [(to, subject.startswith("Back in stock: ")) for to, subject, _ in mail.sent] == [(typed, True)]
    assert row(session, texted.id).sent_at is not None and row(session, mailed.id).sent_at is not None
    assert row(session, elsewhere.id).sent_at is None  # its SKU is still sold out
    # once: another flush, and another restock of the same SKU, send nothing more
    assert flush(session, sms=sms, mail=mail).sent == 0
    restock(session, admin, variant, 1)
    assert flush(session, sms=sms, mail=mail).sent == 0
    assert (len(sms.sent), len(mail.sent)) == (1, 1)
    assert [a.status for a in stock_alerts.list_mine(session=session, user_id=shopper.id)] == ["sent"]


def test_after_selling_out_again_only_the_new_subscriptions_are_told(session, admin):
    _, (variant,) = make_product(session, stock=(0,))
    first, second = guest_email(), guest_email()
    stock_alerts.subscribe(session=session, sku_id=variant.id, email=first)
    restock(session, admin, variant, 2)
    mail = CapturingEmailSender()
    assert flush(session, mail=mail).sent == 1
    inventory.adjust_stock(
        session=session, actor=admin, variant_id=variant.id, data={"quantity_change": -2, "reason": "Sold"}
    )
    stock_alerts.subscribe(session=session, sku_id=variant.id, email=second)
    restock(session, admin, variant, 2)
    assert flush(session, mail=mail).sent == 1
    assert [to for to, _s, _b in mail.sent] == [first, second]


def test_a_failed_send_is_kept_and_tried_again_later(session, admin):
    _, (variant,) = make_product(session, stock=(0,))
    shopper = make_user(session, phone=fresh_phone())
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, user_id=shopper.id)
    restock(session, admin, variant)
    down, now = FailingSms(), utcnow()
    result = stock_alerts.flush(session=session, sms=down, mailer=CapturingEmailSender(), now=now)
    assert (result.sent, result.failed, down.tries) == (0, 1, 1)
    kept = row(session, alert.id)
    assert kept.sent_at is None and kept.attempts == 1 and "503" in kept.last_error
    assert kept.next_attempt_at == now + timedelta(seconds=60)
    # not before its time
    assert stock_alerts.flush(session=session, sms=down, mailer=CapturingEmailSender(), now=now).failed == 0
    assert down.tries == 1
    sms = CapturingSmsSender()
    assert flush(session, sms=sms, now=now + timedelta(seconds=61)).sent == 1
    assert [to for to, _ in sms.sent] == [shopper.phone]
    done = row(session, alert.id)
    assert done.sent_at is not None and done.last_error is None


def test_sold_out_again_before_the_send_waits_for_the_next_restock(session, admin):
    _, (variant,) = make_product(session, stock=(0,))
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    restock(session, admin, variant, 1)
    inventory.adjust_stock(
        session=session, actor=admin, variant_id=variant.id, data={"quantity_change": -1, "reason": "Damaged"}
    )
    mail = CapturingEmailSender()
    result = flush(session, mail=mail)
    assert (result.sent, result.waiting, mail.sent) == (0, 1, [])
    assert row(session, alert.id).due_at is None and row(session, alert.id).sent_at is None
    restock(session, admin, variant, 1)
    assert flush(session, mail=mail).sent == 1


def place(session, user, variant, quantity=1):
    fill_cart(session, user, [variant], quantity)
    return checkout.place_order(session=session, user_id=user.id, shipping_address=address())


def test_a_cancelled_order_puts_the_last_unit_back_and_its_alerts_are_due(session):
    _, (variant,) = make_product(session, stock=(1,))
    buyer = make_user(session)
    placed = place(session, buyer, variant)
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    orders.cancel_order(session=session, user_id=buyer.id, order_ref=placed.id, reason="Changed my mind")
    assert row(session, alert.id).due_at is not None
    assert flush(session).sent == 1


def test_an_order_changed_down_puts_units_back_and_its_alerts_are_due(session):
    _, (variant,) = make_product(session, stock=(2,))
    buyer = make_user(session)
    placed = place(session, buyer, variant, 2)
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    order_changes.modify_items(
        session=session, order_ref=placed.order_number, changes=[(str(variant.id), 1)], actor_id=buyer.id
    )
    assert row(session, alert.id).due_at is not None


def test_a_received_return_puts_stock_back_and_its_alerts_are_due(session, admin):
    _, (variant,) = make_product(session, stock=(1,))
    buyer = make_user(session)
    placed = place(session, buyer, variant)
    admin_orders.mark_paid(session=session, actor=admin, order_id=placed.id)
    for status in ("shipped", "delivered"):
        orders.change_status(session=session, order_id=placed.id, to_status=status)
    ret = orders.request_return(
        session=session, user_id=buyer.id, order_ref=placed.id, items=[(placed.lines[0].id, 1, "Too small")]
    )
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    returns.act(session=session, actor=admin, return_id=ret.id, action="approve")
    assert row(session, alert.id).due_at is None
    returns.act(session=session, actor=admin, return_id=ret.id, action="receive")
    assert row(session, alert.id).due_at is not None


def test_a_product_restocked_while_archived_is_told_when_it_is_restored(session, admin):
    product, (variant,) = make_product(session, stock=(0,))
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    products.set_status(session=session, actor=admin, product_id=product.id, status="archived")
    restock(session, admin, variant, 4)
    mail = CapturingEmailSender()
    assert flush(session, mail=mail).waiting == 1 and mail.sent == []  # not on sale: not told
    products.set_status(session=session, actor=admin, product_id=product.id, status="draft")
    assert row(session, alert.id).due_at is None
    products.set_status(session=session, actor=admin, product_id=product.id, status="active")
    assert row(session, alert.id).due_at is not None
    assert flush(session, mail=mail).sent == 1


def test_the_signed_link_cancels_and_a_forged_one_is_refused(session, admin):
    _, (variant,) = make_product(session, stock=(0,))
    typed = guest_email()
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=typed)
    restock(session, admin, variant)
    mail = CapturingEmailSender()
    flush(session, mail=mail)
    token = re.search(r"/stock-alerts/unsubscribe\?token=([\w.]+)", mail.sent[0][2]).group(1)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (forged, "nonsense", f"{uuid.uuid4().hex}.{token.split('.')[1]}"):
        with pytest.raises(StockAlertError) as err:
            stock_alerts.unsubscribe(session=session, token=bad)
        assert http_status(err.value) == 422 and err.value.field == "token"
    gone = stock_alerts.unsubscribe(session=session, token=token)
    assert gone is not None and gone.id == alert.id
    assert row(session, alert.id) is None
    assert stock_alerts.unsubscribe(session=session, token=token) is None  # already cancelled


def test_an_account_cancels_its_own_alert_never_anothers(session):
    _, (variant,) = make_product(session, stock=(0,))
    owner, stranger = make_user(session), make_user(session)
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, user_id=owner.id)
    for who, ref in ((stranger.id, alert.id), (owner.id, uuid.uuid4()), (owner.id, "nonsense")):
        with pytest.raises(StockAlertError) as err:
            stock_alerts.delete_mine(session=session, user_id=who, alert_id=ref)
        assert http_status(err.value) == 404
    stock_alerts.delete_mine(session=session, user_id=owner.id, alert_id=alert.id)
    assert stock_alerts.list_mine(session=session, user_id=owner.id) == []


def test_subscribing_again_after_being_told_waits_for_the_next_restock(session, admin):
    _, (variant,) = make_product(session, stock=(0,))
    typed = guest_email()
    first = stock_alerts.subscribe(session=session, sku_id=variant.id, email=typed)
    restock(session, admin, variant, 1)
    flush(session)
    inventory.adjust_stock(
        session=session, actor=admin, variant_id=variant.id, data={"quantity_change": -1, "reason": "Sold"}
    )
    again = stock_alerts.subscribe(session=session, sku_id=variant.id, email=typed)
    assert again.id == first.id and again.status == "waiting" and again.sent_at is None
    restock(session, admin, variant, 1)
    mail = CapturingEmailSender()
    assert flush(session, mail=mail).sent == 1 and mail.sent[0][0] == typed


def test_the_dashboard_demand_counts_alerts_per_sold_out_sku(session):
    _, (variant,) = make_product(session, stock=(0,))
    for _ in range(3):
        stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    sku = session.get(ProductVariant, variant.id).sku
    demand = {r["sku"]: r for r in reports.sold_out_demand(session=session, limit=1000)}
    assert demand[sku]["alerts"] == 3


def test_a_second_flush_while_the_first_is_sending_takes_nothing(session, admin):
    """Another instance's flush that runs while this one's message is on its way finds the alert
    claimed (its conditional update), so the shopper gets one message."""
    _, (variant,) = make_product(session, stock=(0,))
    alert = stock_alerts.subscribe(session=session, sku_id=variant.id, email=guest_email())
    restock(session, admin, variant)
    during: list = []

    class SlowMail(CapturingEmailSender):
        def send(self, to: str, subject: str, body: str) -> None:
            during.append(flush(session))  # the other instance, mid-send
            super().send(to, subject, body)

    mail = SlowMail()
    assert flush(session, mail=mail).sent == 1
    assert [(r.sent, r.failed) for r in during] == [(0, 0)] and len(mail.sent) == 1
    assert row(session, alert.id).sent_at is not None


def test_the_inventory_page_counts_the_alerts_waiting_per_sku(session):
    product, (gone, low) = make_product(session, stock=(0, 1))
    for _ in range(2):
        stock_alerts.subscribe(session=session, sku_id=gone.id, email=guest_email())
    page = inventory.low_stock(session=session, q=product.name)
    assert {r.variant_id: r.alerts for r in page.items} == {str(gone.id): 2, str(low.id): 0}
