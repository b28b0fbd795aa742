// Sharestall's service worker: static files from the cache, an offline page, and the signed-in user's last
// dashboard (read-only) when the network drops. /sw.js prepends self.SHARESTALL (this release's settings).
"use strict";
var S = self.SHARESTALL;
var STATIC = "static-" + S.version;
var COPIES = "offline-copies";
var ACCOUNT = "/__account";  // the account whose pages the browser showed last (kept in the copies cache)

self.addEventListener("install", function (event) {
  // credentials "omit": the offline page is fetched as nobody, so it carries nothing private.
  var requests = S.precache.map(function (url) { return new Request(url, { credentials: "omit" }); });
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(requests); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("static-") === 0 && name !== STATIC; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function currentAccount(copies) {
  return copies.match(ACCOUNT).then(function (r) { return r ? r.text() : "-"; });
}

// Every page names its account: a new one (or a signed-out "-") throws away whatever copy the last one left.
// One change at a time: a sign-out's "-" must not overtake the page that follows it.
var queue = Promise.resolve();
function noteAccount(key) {
  queue = queue.then(function () { return switchAccount(key); }, function () { return switchAccount(key); });
  return queue;
}

function switchAccount(key) {
  return caches.open(COPIES).then(function (copies) {
    return currentAccount(copies).then(function (known) {
      if (known === key) { return copies; }
      return copies.keys().then(function (requests) {
        return Promise.all(requests.map(function (r) { return copies.delete(r); }));
      }).then(function () { return copies.put(ACCOUNT, new Response(key)); }).then(function () { return copies; });
    });
  });
}

function copyKey(path, account) { return "/__copy/" + account + path; }

function fromNetwork(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    var key = response.headers.get(S.header);
    if (key) {
      var path = new URL(request.url).pathname;
      var keep = response.ok && response.headers.get("X-Offline-Copy") === "1" && key !== "-";
      var copy = keep ? response.clone() : null;
      event.waitUntil(noteAccount(key).then(function (copies) {
        if (copy) { return copies.put(copyKey(path, key), copy); }
      }));
    }
    return response;
  });
}

function offlineAnswer(request) {
  var path = new URL(request.url).pathname;
  return caches.open(COPIES).then(function (copies) {
    return currentAccount(copies).then(function (account) {
      return account === "-" ? null : copies.match(copyKey(path, account));
    });
  }).then(function (copy) {
    if (copy) {
      // Marked read-only: the stylesheet hides its forms and shows the "you are offline" note.
      return copy.text().then(function (html) {
        return new Response(html.replace("<body ", "<body data-offline "),
                            { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    }
    return caches.match(S.offline);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.method === "POST" && S.signing.indexOf(url.pathname) >= 0) {
    event.waitUntil(noteAccount("-"));  // signing in or out forgets the offline copy at once
  }
  // Pages only (a boosted link is a page too: htmx fetches it whole and swaps the body); forms, fragments and
  // files go straight to the network, untouched.
  var isPage = request.method === "GET" && (request.mode === "navigate" || request.headers.get("HX-Boosted") === "true");
  if (!isPage) { return; }
  // Offline, a boosted link fails (static/app.js then navigates for real, and that navigation gets the answer).
  event.respondWith(fromNetwork(event).catch(function () {
    return request.mode === "navigate" ? offlineAnswer(request) : Response.error();
  }));
});
