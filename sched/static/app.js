/* Small behaviours of every page, bound here because the Content-Security-Policy allows no inline handler. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-select-on-focus]")) { event.target.select(); }
  });
})();
