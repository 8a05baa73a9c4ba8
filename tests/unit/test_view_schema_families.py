"""One schema family per entity: the REST API answers with the view types of ``marque_app/views``
(or models built from their fields), never with a copy of their fields that could drift."""

from __future__ import annotations

from dataclasses import fields

from marque_app.api import payments as payments_api
from marque_app.api import reviews as reviews_api
from marque_app.views.payments import PaymentView
from marque_app.views.reviews import MyReview, ReviewItem


def names(cls) -> list[str]:
    return [f.name for f in fields(cls)]


def test_payments_answer_with_the_payment_view():
    assert payments_api.IntentOut.model_fields["payment"].annotation is PaymentView
    assert payments_api.RefundOut.model_fields["payment"].annotation is PaymentView
    assert not hasattr(payments_api, "PaymentOut")
    confirm = next(r for r in payments_api.router.routes if r.path.endswith("/confirm"))
    assert confirm.response_model is PaymentView


def test_reviews_answer_with_the_review_views():
    assert issubclass(reviews_api.MyReviewOut, MyReview)
    assert names(reviews_api.MyReviewOut) == [*names(MyReview), "message"]
    assert list(reviews_api.ReviewOut.model_fields) == names(ReviewItem)
    assert reviews_api.ReviewPageOut.model_fields["items"].annotation == list[reviews_api.ReviewOut]
