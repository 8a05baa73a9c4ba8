"""The Reflex app: ``rx.App(...)`` and ``add_page`` calls only."""

import reflex as rx


def index() -> rx.Component:
    return rx.heading("Marque")


app = rx.App()
app.add_page(index, route="/")
