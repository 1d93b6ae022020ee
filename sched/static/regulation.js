/* The regulators' page: a clock, the list refreshed in place every minute, the message after a booking in view. */
(function () {
  "use strict";
  var list = document.getElementById("daily-list");
  var clock = document.getElementById("clock");
  var messages = document.getElementById("messages");
  // Back from a booking or a cancellation (#messages): the message is read out and seen, even on a phone.
  if (messages && window.location.hash === "#messages") {
    messages.focus();
    messages.scrollIntoView({block: "start"});
  }
  if (!list || !clock) { return; }
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
        // The list comes as a small page of its own: only its #daily-list is taken.
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("daily-list");
        if (!fresh) { throw new Error("no list in the answer"); }
        var y = window.scrollY;
        var focusedId = document.activeElement && list.contains(document.activeElement) ? document.activeElement.id : null;
        list.replaceChildren.apply(list, Array.prototype.slice.call(fresh.childNodes));
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
