// Do Not Track / Global Privacy Control, as the browser says them to the page: a cookie the
// websocket handshake carries, so the server records no analytics event for this browser
// (marque_app/domain/analytics.py, tracking_refused). Runs in <head>, before the app connects.
(function () {
  var n = window.navigator || {};
  var off = n.doNotTrack === "1" || n.doNotTrack === "yes" || window.doNotTrack === "1" || n.globalPrivacyControl === true;
  document.cookie = off
    ? "marque_no_track=1; path=/; SameSite=Lax; max-age=31536000"
    : "marque_no_track=; path=/; SameSite=Lax; max-age=0";
})();
