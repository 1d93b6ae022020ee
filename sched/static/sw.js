/* Planning SNP service worker: « Mes gardes » readable offline.
   The last « Mes gardes » page the GP opened is kept (with the time it was fetched); offline, the site opens on
   it under « Hors ligne : version du … ». Nothing else is cached but the style and script files that page needs.
   A redirect to the login page (session ended) deletes the copy; so does the login page itself (install.js). */
"use strict";
var CACHE = "snp-mes-gardes-v1";
var PAGE = "/gp/";
var ASSETS = ["/static/app.css", "/static/app.js", "/static/install.js"];
var SAVED_HEADER = "X-Snp-Saved-At";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) {
      return caches.delete(key);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function savedCopy(response) {
  return response.text().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(SAVED_HEADER, new Date().toISOString());
    return caches.open(CACHE).then(function (cache) {
      return cache.put(PAGE, new Response(body, {status: 200, headers: headers}));
    });
  });
}

function when(iso) {
  var date = new Date(iso);
  return date.toLocaleDateString("fr-FR", {weekday: "long", day: "numeric", month: "long", year: "numeric"}) +
    " à " + date.toLocaleTimeString("fr-FR", {hour: "2-digit", minute: "2-digit"});
}

function offlinePage() {
  return caches.open(CACHE).then(function (cache) { return cache.match(PAGE); }).then(function (saved) {
    if (!saved) {
      var body = '<!doctype html><html lang="fr"><head><meta charset="utf-8">' +
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Hors ligne · Planning SNP</title>' +
        '<link rel="stylesheet" href="/static/app.css"></head><body><main id="contenu" class="wrap">' +
        "<h1>Hors ligne</h1><p>Pas de connexion, et aucune version de « Mes gardes » n'est enregistrée sur cet " +
        "appareil : ouvrez « Mes gardes » une fois connecté pour pouvoir la relire hors ligne.</p></main></body></html>";
      return new Response(body, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
    }
    var stamp = saved.headers.get(SAVED_HEADER);
    return saved.text().then(function (body) {
      var note = '<div class="offline-note" role="status"><p><strong>Hors ligne : version du ' + when(stamp) +
        ".</strong> Les changements faits depuis n'apparaissent pas ; les boutons ne fonctionnent qu'avec une " +
        "connexion.</p></div>";
      body = body.replace(/(<main\b[^>]*>)/, "$1" + note);
      return new Response(body, {status: 200, headers: saved.headers});
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && (url.pathname === PAGE || url.pathname === "/")) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.type === "opaqueredirect" || response.redirected) {
        // Sent to the login page: the session ended, the copy goes with it.
        if (url.pathname === PAGE) { caches.open(CACHE).then(function (cache) { cache.delete(PAGE); }); }
      } else if (url.pathname === PAGE && response.ok) {
        event.waitUntil(savedCopy(response.clone()));
      }
      return response;
    }, offlinePage));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); }));
      }
      return response;
    }, function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(url.pathname); });
    }));
  }
});
