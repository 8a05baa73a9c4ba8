"""A bare Reflex counter: one state var, one handler, one button (the benchmark's baseline)."""

import reflex as rx


class CounterState(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("Counter"),
            rx.text(CounterState.count, data_testid="count"),
            rx.button("Add one", on_click=CounterState.increment, data_testid="increment"),
        ),
        padding="2rem",
    )


app = rx.App()
app.add_page(index, route="/")
