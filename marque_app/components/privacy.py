"""The browser's own Do-Not-Track / Global Privacy Control, told to the server before it connects.

An inline ``<script>`` in the document's head (in the prerendered HTML, so it runs while the page
is parsed, before the app's modules open the websocket): when ``navigator.doNotTrack`` or
``navigator.globalPrivacyControl`` says so, it sets the ``marque_no_track`` cookie, which the
websocket handshake then carries (``domain.analytics.tracking_refused``); otherwise it clears it.
A ``<script src>`` (``rx.script``) would not do: Reflex inserts those at run time, after the
app has connected. The security headers allow it by its hash, as every inline script.
"""

from __future__ import annotations

import reflex as rx

from marque_app.domain.analytics import NO_TRACK_COOKIE

PRIVACY_SIGNALS_JS = (
    "if (typeof document !== 'undefined') { try {"
    " var n = window.navigator || {};"
    " var off = n.doNotTrack === '1' || n.doNotTrack === 'yes' || window.doNotTrack === '1'"
    " || n.globalPrivacyControl === true;"
    f" document.cookie = off ? '{NO_TRACK_COOKIE}=1; path=/; SameSite=Lax; max-age=31536000'"
    f" : '{NO_TRACK_COOKIE}=; path=/; SameSite=Lax; max-age=0';"
    " } catch (e) {} }"
)


def privacy_signals_script() -> rx.Component:
    """The head's inline script (for the app's head components)."""
    return rx.el.script(PRIVACY_SIGNALS_JS)
