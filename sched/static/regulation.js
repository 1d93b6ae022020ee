/* The regulators' page: a clock, and the list refreshed in place every minute. */
(function () {
  "use strict";
  var list = document.getElementById("daily-list");
  var clock = document.getElementById("clock");
  var hhmm = new Intl.DateTimeFormat("fr-FR", {hour: "2-digit", minute: "2-digit", timeZone: clock.dataset.zone});
  setInterval(function () { clock.textContent = hhmm.format(new Date()); }, 15000);
  function refresh() {
    // Swap the list in place, keeping the reader's scroll position and keyboard focus.
    fetch(list.dataset.refreshUrl, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("refresh failed"); }
        return response.text();
      })
      .then(function (html) {
        var y = window.scrollY;
        var focusedId = document.activeElement && list.contains(document.activeElement) ? document.activeElement.id : null;
        list.innerHTML = html;
        window.scrollTo(0, y);
        if (focusedId && document.getElementById(focusedId)) { document.getElementById(focusedId).focus({preventScroll: true}); }
      })
      .catch(function () {
        var stamp = document.getElementById("updated");
        if (stamp) { stamp.textContent = "Actualisation impossible — vérifiez la connexion ou rechargez la page."; stamp.className = "badge danger"; }
      });
  }
  setInterval(refresh, 60000);
})();
