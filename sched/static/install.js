/* Installable site: a GP's browser registers the service worker that keeps « Mes gardes » for offline reading;
   anywhere a GP is not logged in (login page, another role), the kept copy is deleted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) { return; }
  if (script.dataset.gp === "1") {
    navigator.serviceWorker.register(script.dataset.worker, {scope: "/"}).catch(function () { /* offline copy is optional */ });
  } else if (window.caches) {
    caches.delete("snp-mes-gardes-v1");
  }
})();
