/* Faster with JavaScript: quick fills, « Tout effacer » and the undo apply in place, the counter follows every
   choice (the form works without: each button is then a round trip that saves nothing). */
(function () {
  "use strict";
  var form = document.querySelector(".answer-form");
  var pending = document.getElementById("pending");
  var undo = form.querySelector("button[data-undo]");
  var groups = form.querySelectorAll("fieldset.shift-choice");
  var before = null;

  function snapshot() {
    return Array.prototype.map.call(groups, function (group) {
      var checked = group.querySelector("input:checked");
      return checked ? checked.value : "unavailable";
    });
  }
  function restore(values) {
    groups.forEach(function (group, i) { group.querySelector('input[value="' + values[i] + '"]').checked = true; });
  }
  function count() {
    var totals = {available: 0, preferred: 0, unavailable: 0};
    snapshot().forEach(function (value) { totals[value] += 1; });
    Object.keys(totals).forEach(function (key) {
      var cell = document.querySelector('#counts [data-count="' + key + '"]');
      if (cell) { cell.textContent = totals[key]; }
    });
  }
  function changed() {
    pending.hidden = false;
    count();
  }
  function bulk(apply) {
    before = snapshot();
    apply();
    undo.hidden = false;
    undo.disabled = false;
    changed();
    pending.scrollIntoView({block: "nearest"});
  }

  undo.hidden = false;
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-fill], button[data-clear], button[data-undo]");
    if (!button) { return; }
    event.preventDefault();
    if (button.hasAttribute("data-undo")) {
      if (before) { restore(before); before = null; }
      undo.disabled = true;
      changed();
      return;
    }
    if (button.hasAttribute("data-clear")) {
      bulk(function () { restore(snapshot().map(function () { return "unavailable"; })); });
      return;
    }
    bulk(function () {
      form.querySelectorAll('fieldset[data-pattern="' + button.dataset.fill + '"]').forEach(function (group) {
        var preferred = group.querySelector('input[value="preferred"]');
        if (!preferred.checked) { group.querySelector('input[value="available"]').checked = true; }
      });
    });
  });
  form.addEventListener("change", changed);

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
