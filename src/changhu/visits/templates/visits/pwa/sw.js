/* Changhu caregiver app service worker {{ version }}: the app shell works offline. */
"use strict";
var CACHE = "changhu-pwa-{{ version }}";
var ASSETS = {{ assets|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) {
        return caches.delete(k);
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return; // events and photos go to the network; the app queues them when it is down
  }
  var url = new URL(request.url);
  if (url.pathname.indexOf("/api/") === 0) {
    return;
  }
  if (request.mode === "navigate" && url.pathname !== "/pwa/") {
    return; // the patrol pages and others are server pages: the network only
  }
  if (request.mode === "navigate") {
    // The shell: fresh when online (new CSRF token, new version), cached when offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put("/pwa/", copy); });
        }
        return response;
      }).catch(function () { return caches.match("/pwa/"); })
    );
    return;
  }
  event.respondWith(
    caches.match(request).then(function (hit) { return hit || fetch(request); })
  );
});
