/* Service worker of the judge's pages (served as /judge/sw.js, scope /judge).

   - Judge pages (/judge, /judge/a/<id>): network first, with a time limit on poor
     Wi-Fi; a good answer is cached, and the cached copy is served when the network
     fails, so a reload while offline still shows the page. judge.js then lays the values
     kept on the device (outbox, confirmed saves) over it.
   - Assets (/static/..., entry photo thumbnails): served from the cache at once and
     refreshed in the background.
   - Everything else, and every request that is not a GET (the score API), goes to the
     network untouched: API calls are never cached.
   - The page sends {type: "warm", user, urls}: the SW caches those pages (the judge's
     assigned sheets) so they open offline too; when another judge signs in on the same
     tablet, the cached pages of the previous one are dropped first. */
"use strict";

var VERSION = "judge-v1";
var PAGES = VERSION + "-pages";
var ASSETS = VERSION + "-assets";
var META = VERSION + "-meta";
var NETWORK_TIMEOUT = 5000;
var MAX_WARM = 80;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("judge-") === 0 && k.indexOf(VERSION + "-") !== 0;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function sameOrigin(url) { return url.origin === self.location.origin; }

function isPage(url) {
  return sameOrigin(url) && (url.pathname === "/judge" || /^\/judge\/a\/\d+$/.test(url.pathname));
}

function isAsset(url) {
  return sameOrigin(url) && (url.pathname.indexOf("/static/") === 0 || /^\/files\/\d+\/thumb$/.test(url.pathname));
}

function pageKey(url) { return new Request(url.origin + url.pathname); }

function cacheable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

var OFFLINE_HTML =
  '<!doctype html><html lang="vi"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Mất kết nối</title></head>' +
  "<body><h1>Mất kết nối</h1><p>Trang này chưa được lưu trên máy nên không mở được khi không có mạng. " +
  "Điểm đã nhập vẫn được giữ trên máy và sẽ tự gửi khi có mạng.</p>" +
  '<p><a href="/judge">Về danh sách bài được phân công</a></p></body></html>';

function networkFirst(request) {
  var url = new URL(request.url);
  var key = pageKey(url);
  return caches.open(PAGES).then(function (cache) {
    var network = fetch(request).then(function (response) {
      if (cacheable(response)) { cache.put(key, response.clone()); }
      return response;
    });
    var cached = cache.match(key);
    var timeout = new Promise(function (resolve) {
      setTimeout(function () {
        cached.then(function (hit) { if (hit) { resolve(hit); } });
      }, NETWORK_TIMEOUT);
    });
    var fromNetwork = network.catch(function () {
      return cached.then(function (hit) {
        return hit || new Response(OFFLINE_HTML, {
          status: 503, headers: { "Content-Type": "text/html; charset=utf-8" }
        });
      });
    });
    return Promise.race([fromNetwork, timeout]);
  });
}

function staleWhileRevalidate(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var network = fetch(request).then(function (response) {
        if (cacheable(response)) { cache.put(request, response.clone()); }
        return response;
      });
      if (hit) {
        network.catch(function () {});
        return hit;
      }
      return network;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; } // score saves go straight to the network
  var url = new URL(request.url);
  if (isPage(url)) {
    event.respondWith(networkFirst(request));
  } else if (isAsset(url)) {
    event.respondWith(staleWhileRevalidate(request));
  }
});

function currentUser() {
  return caches.open(META).then(function (cache) {
    return cache.match("/judge/__user").then(function (hit) { return hit ? hit.text() : null; });
  });
}

function rememberUser(user) {
  return caches.open(META).then(function (cache) {
    return cache.put("/judge/__user", new Response(String(user)));
  });
}

function warmAssets(urls) {
  return caches.open(ASSETS).then(function (cache) {
    var list = (urls || []).filter(function (u) { return typeof u === "string"; }).slice(0, MAX_WARM);
    return Promise.all(list.map(function (u) {
      var url = new URL(u, self.location.origin);
      if (!isAsset(url)) { return null; }
      return cache.match(url.href).then(function (hit) {
        if (hit) { return null; }
        return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
          return cacheable(response) ? cache.put(url.href, response) : null;
        }).catch(function () { return null; });
      });
    }));
  });
}

function warm(urls) {
  return caches.open(PAGES).then(function (cache) {
    var list = (urls || []).filter(function (u) { return typeof u === "string"; }).slice(0, MAX_WARM);
    return list.reduce(function (chain, u) {
      return chain.then(function () {
        var url = new URL(u, self.location.origin);
        if (!isPage(url)) { return null; }
        return fetch(url.href, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
          if (cacheable(response)) { return cache.put(pageKey(url), response); }
          return null;
        }).catch(function () { return null; });
      });
    }, Promise.resolve());
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "warm") { return; }
  event.waitUntil(
    currentUser().then(function (previous) {
      if (previous !== null && previous !== String(data.user)) {
        return caches.delete(PAGES);
      }
      return null;
    }).then(function () { return rememberUser(data.user); })
      .then(function () { return warmAssets(data.assets); })
      .then(function () { return warm(data.urls); })
  );
});
