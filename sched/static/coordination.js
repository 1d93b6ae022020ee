/* Coordination pages: sortable tables (the fairness table). A header button sorts by its column; a second
   click reverses. The order is told to screen readers through aria-sort; the totals row (tfoot) stays last. */
(function () {
  "use strict";
  function sortBy(table, button) {
    var th = button.closest("th");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = button.hasAttribute("data-numeric");
    var descending = th.getAttribute("aria-sort") !== "descending";
    if (!th.hasAttribute("aria-sort") && !numeric) { descending = false; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-value");
      var y = b.cells[index].getAttribute("data-value");
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "fr");
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("table[data-sortable] button.sort");
    if (button) { sortBy(button.closest("table"), button); }
  });
})();
