"""Bring several of a tab's states into an event in one Redis read.

With Redis, an event starts with its own state, its parents and the states its computed vars
need; every other ``await self.get_state(X)`` is one more ``MGET`` round trip and its own wait
for the event loop. A page load reaches seven states that way (outage, suggestions, header,
user, frame, cart, the page's own), so a navigation waited for seven replies in a row.
:func:`preload` reads all the missing ones with one ``MGET``; the ``get_state`` calls after it
find them in the tree and make no I/O. It attaches them exactly as Reflex's own
``StateManagerRedis.get_state`` does (the same required classes, the same fresh instance for a
missing key or an old schema), so the event saves them as it saves any state it touched.

The memory and disk state managers hold a tab's whole tree already: there it does nothing.
"""

from __future__ import annotations

import contextlib

from reflex.istate.manager import get_state_manager
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState
from reflex_base.utils.exceptions import StateSchemaMismatchError


def missing_states(
    manager: StateManagerRedis, state: BaseState, classes: tuple[type[BaseState], ...]
) -> list[type[BaseState]]:
    """The state classes ``get_state`` would read for ``classes`` that ``state``'s tree lacks,
    parents before children (Reflex's order: sorted by full name)."""
    have = {type(s) for s in manager._get_populated_states(state).values()}
    required: set[type[BaseState]] = set()
    for cls in classes:
        manager._get_required_state_classes(cls, subclasses=True, required_state_classes=required)
    return sorted(required - have, key=lambda cls: cls.get_full_name())


async def preload(state: BaseState, *classes: type[BaseState]) -> int:
    """Attach ``classes`` (with what ``get_state`` would bring along) to ``state``'s tree in one
    ``MGET``; returns how many states were read (0 without Redis or when all are there)."""
    try:
        manager = get_state_manager()
    except LookupError:  # called outside Reflex's event processing (a test's own tree): nothing to read
        return 0
    if not isinstance(manager, StateManagerRedis):
        return 0
    wanted = missing_states(manager, state, classes)
    if not wanted:
        return 0
    token = BaseStateToken(ident=state.rx_router_session.client_token, cls=wanted[0])
    stored = await manager.redis.mget([token._state_key(cls) for cls in wanted])
    tree = manager._get_populated_states(state)
    for cls, data in zip(wanted, stored, strict=True):
        loaded: BaseState | None = None
        if data is not None:
            with contextlib.suppress(StateSchemaMismatchError):
                loaded = BaseState._deserialize(data=data)
        if loaded is None:  # never saved, or saved by an older schema: a fresh one, as Reflex does
            loaded = cls(init_substates=False, _reflex_internal_init=True)
        name = loaded.get_full_name()
        tree[name] = loaded
        parent_name, _, short = name.rpartition(".")
        if parent_name:
            parent = tree[parent_name]  # sorted: every parent comes first or was there
            parent.substates[short] = loaded
            loaded.parent_state = parent
    return len(wanted)
