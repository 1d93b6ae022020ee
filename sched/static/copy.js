/* « Copier l'adresse » buttons: shown only where the script runs (the address can always be selected by hand). */
(function () {
  "use strict";
  function copied(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) { status.textContent = text; }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var id = button.dataset.copy;
      var input = document.getElementById(id);
      input.focus();
      input.select();
      var fallback = function () {
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        copied(id, ok ? "Adresse copiée." : "Copie impossible : l'adresse est sélectionnée, copiez-la à la main.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { copied(id, "Adresse copiée."); }, fallback);
      } else {
        fallback();
      }
    });
  });
})();
