"""Admin returns (approve / reject, receive, refund) and the review moderation queue."""

from __future__ import annotations

import reflex as rx

from marque_app import routes
from marque_app.components.admin import admin_layout, error_banner, native_select, pager, table
from marque_app.domain.labels import RETURN_STATUS, label
from marque_app.models.enums import RETURN_STATUSES
from marque_app.state.admin.moderation import REVIEW_STATUSES, AdminReturnsState, AdminReviewsState

RETURN_CHOICES = [("", "Any status")] + [(s, label(RETURN_STATUS, s)) for s in RETURN_STATUSES]
STATUS_COLORS = {
    "requested": "amber",
    "approved": "blue",
    "received": "violet",
    "refunded": "green",
    "rejected": "gray",
    "pending": "amber",
}


def _status_badge(status: rx.Var, testid: str, words: rx.Var | None = None) -> rx.Component:
    return rx.badge(
        words if words is not None else status,
        color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"),
        data_testid=testid,
    )


# --- returns --------------------------------------------------------------------------------------


def _return_actions(r) -> rx.Component:
    s = AdminReturnsState
    return rx.hstack(
        rx.cond(
            r.actions.contains("approve"),
            rx.button("Approve", size="1", on_click=s.act(r.id, "approve"), data_testid="return-approve"),
        ),
        rx.cond(
            r.actions.contains("reject"),
            rx.button(
                "Reject",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=s.act(r.id, "reject"),
                data_testid="return-reject",
            ),
        ),
        rx.cond(
            r.actions.contains("receive"),
            rx.button("Mark received", size="1", on_click=s.act(r.id, "receive"), data_testid="return-receive"),
        ),
        rx.cond(
            r.actions.contains("refund"),
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="return_id", value=r.id),
                    rx.input(
                        name="amount",
                        default_value=r.value,
                        inputmode="decimal",
                        size="1",
                        width="90px",
                        aria_label="Refund amount",
                        data_testid="return-refund-amount",
                    ),
                    rx.button(r.refund_label, type="submit", size="1", color_scheme="red", data_testid="return-refund"),
                    spacing="1",
                    align="center",
                ),
                on_submit=s.refund,
                reset_on_submit=False,
                key="refund-" + r.id + "-" + s.form_key.to_string(),
            ),
        ),
        rx.cond(r.refund_amount != "", rx.text("Refunded ", r.refund_text, size="1", data_testid="return-refunded")),
        # the rule's words: what "Mark refunded in cash" does, or why no refund is offered
        rx.cond(
            r.action_hint != "", rx.text(r.action_hint, size="1", color=rx.color("gray", 11), data_testid="return-hint")
        ),
        rx.cond(
            (r.actions.length() == 0) & (r.action_hint == ""),
            rx.text("No action left", size="1", color=rx.color("gray", 11)),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def returns_page() -> rx.Component:
    s = AdminReturnsState
    return admin_layout(
        "Returns",
        rx.form(
            rx.flex(
                rx.box(
                    native_select("status", RETURN_CHOICES, s.status, testid="returns-status", aria_label="Status"),
                    width="170px",
                ),
                rx.input(
                    name="q",
                    default_value=s.q,
                    placeholder="Return or order number, e-mail",
                    data_testid="returns-q",
                    min_width="240px",
                ),
                rx.button("Apply", type="submit", size="2", data_testid="filter-apply"),
                gap="8px",
                wrap="wrap",
                align="end",
                width="100%",
            ),
            on_submit=s.apply,
            reset_on_submit=False,
            key=s.status + "|" + s.q,
            width="100%",
        ),
        error_banner(s.error, "returns-error"),
        rx.cond(
            s.loaded & (s.items.length() == 0),
            rx.text(
                rx.cond(
                    (s.status != "") | (s.q != ""),
                    "No return matches these filters.",
                    "No return has been requested yet.",
                ),
                data_testid="returns-empty",
            ),
            table(
                ["Return", "Order", "Customer", "Items", "Value", "Reason", "Status", "Requested (UTC)", "Actions"],
                rx.foreach(
                    s.items,
                    lambda r: rx.table.row(
                        rx.table.cell(
                            rx.text(r.return_number, weight="medium", data_testid="return-number"), white_space="nowrap"
                        ),
                        rx.table.cell(
                            rx.link(
                                r.order_number,
                                href=f"{routes.ADMIN_ORDERS}/" + r.order_id,
                                data_testid="return-order-link",
                            ),
                            white_space="nowrap",
                        ),
                        rx.table.cell(r.customer),
                        rx.table.cell(
                            rx.vstack(
                                rx.foreach(
                                    r["items"],
                                    lambda i: rx.text(
                                        i["quantity"],
                                        " × ",
                                        i["name"],
                                        " (",
                                        i["sku"],
                                        ") ",
                                        i["reason_label"],
                                        size="1",
                                    ),
                                ),
                                spacing="0",
                            )
                        ),
                        rx.table.cell(r.value_text, data_testid="return-value"),
                        rx.table.cell(
                            rx.vstack(
                                rx.text(r.reason_label, size="2", data_testid="return-reason"),
                                rx.cond(r.comments != "", rx.text(r.comments, size="1", color=rx.color("gray", 11))),
                                spacing="0",
                            )
                        ),
                        rx.table.cell(_status_badge(r.status, "return-status", r.status_label)),
                        rx.table.cell(r.requested_at, white_space="nowrap"),
                        rx.table.cell(_return_actions(r)),
                        data_testid="return-row",
                    ),
                ),
                "returns-table",
            ),
        ),
        pager(s.page, s.pages, s.total, s.prev_url, s.next_url),
    )


# --- reviews --------------------------------------------------------------------------------------


def _tab(status: str) -> rx.Component:
    s = AdminReviewsState
    current = s.status == status
    return rx.link(
        rx.hstack(
            rx.text(status.capitalize(), size="2", weight=rx.cond(current, "bold", "regular")),
            rx.badge(s.counts[status], variant=rx.cond(current, "solid", "soft"), radius="full"),
            spacing="2",
            align="center",
        ),
        href=s.tab_urls[status],
        underline="none",
        color=rx.cond(current, rx.color("accent", 11), rx.color("gray", 11)),
        padding_x="10px",
        padding_y="6px",
        border_bottom=rx.cond(current, f"2px solid {rx.color('accent', 9)}", "2px solid transparent"),
        aria_current=rx.cond(current, "page", "false"),
        data_testid=f"reviews-tab-{status}",
    )


def _review_actions(r) -> rx.Component:
    s = AdminReviewsState
    return rx.vstack(
        _status_badge(r.status, "review-status"),
        rx.hstack(
            rx.cond(
                r.status != "approved",
                rx.button("Approve", size="1", on_click=s.moderate(r.id, "approved"), data_testid="review-approve"),
            ),
            rx.cond(
                r.status != "rejected",
                rx.button(
                    "Reject",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=s.moderate(r.id, "rejected"),
                    data_testid="review-reject",
                ),
            ),
            spacing="2",
        ),
        spacing="2",
    )


def reviews_page() -> rx.Component:
    s = AdminReviewsState
    return admin_layout(
        "Reviews",
        rx.hstack(
            *[_tab(st) for st in REVIEW_STATUSES],
            spacing="1",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            width="100%",
            data_testid="reviews-tabs",
        ),
        rx.form(
            rx.flex(
                rx.input(
                    name="q",
                    default_value=s.q,
                    placeholder="Product, title or author e-mail",
                    data_testid="reviews-q",
                    min_width="240px",
                ),
                rx.button("Search", type="submit", size="2", data_testid="filter-apply"),
                gap="8px",
                wrap="wrap",
                align="end",
                width="100%",
            ),
            on_submit=s.apply,
            reset_on_submit=False,
            key=s.status + "|" + s.q,
            width="100%",
        ),
        error_banner(s.error, "reviews-error"),
        rx.cond(
            s.loaded & (s.items.length() == 0),
            rx.center(
                rx.vstack(
                    rx.icon("message-square", size=28, color=rx.color("gray", 9)),
                    rx.text(
                        rx.cond(
                            s.q != "",
                            "No review matches this search.",
                            rx.match(
                                s.status,
                                ("pending", "No review is waiting for moderation."),
                                ("approved", "No approved review."),
                                ("rejected", "No rejected review."),
                                "No review.",
                            ),
                        ),
                        size="2",
                    ),
                    align="center",
                    spacing="2",
                ),
                padding="40px",
                width="100%",
                data_testid="reviews-empty",
            ),
            table(
                ["Product", "Rating", "Review", "Author", "Date (UTC)", "Status"],
                rx.foreach(
                    s.items,
                    lambda r: rx.table.row(
                        rx.table.cell(
                            rx.link(r.product_name, href=r.product_url, data_testid="review-product-link"),
                            min_width="140px",
                        ),
                        rx.table.cell(
                            rx.text(
                                r.stars,
                                color=rx.color("amber", 10),
                                white_space="nowrap",
                                aria_label=r.rating.to_string() + " out of 5 stars",
                                data_testid="review-stars",
                            )
                        ),
                        rx.table.cell(
                            rx.vstack(
                                rx.text(r.title, weight="bold", size="2", data_testid="review-title"),
                                rx.text(r.content, size="2", white_space="pre-wrap", data_testid="review-content"),
                                spacing="1",
                            ),
                            min_width="240px",
                            max_width="460px",
                        ),
                        rx.table.cell(
                            rx.vstack(
                                rx.text(r.author, size="2"),
                                rx.text(r.email, size="1", color=rx.color("gray", 11)),
                                rx.cond(
                                    r.verified_purchase,
                                    rx.badge("Verified purchase", color_scheme="green", data_testid="review-verified"),
                                    rx.text("Not a verified purchase", size="1", color=rx.color("gray", 11)),
                                ),
                                spacing="1",
                            )
                        ),
                        rx.table.cell(r.date, white_space="nowrap"),
                        rx.table.cell(_review_actions(r)),
                        data_testid="review-row",
                    ),
                ),
                "reviews-table",
            ),
        ),
        pager(s.page, s.pages, s.total, s.prev_url, s.next_url),
    )
