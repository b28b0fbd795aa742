// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Fall back to the local htmx copy when the CDN did not load.
  if (!window.htmx) {
    var s = document.createElement("script");
    s.src = document.body.getAttribute("data-htmx-local");
    document.head.appendChild(s);
  }
  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      event.preventDefault();
      var text = copy.getAttribute("data-copy");
      var done = function () {
        var label = copy.getAttribute("data-copied");
        if (label) { copy.textContent = label; }
      };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(done, done);
      } else {
        var input = document.createElement("textarea");
        input.value = text;
        document.body.appendChild(input);
        input.select();
        document.execCommand("copy");
        input.remove();
        done();
      }
      return;
    }
    var share = event.target.closest("[data-share-url]");
    if (share && navigator.share) {
      event.preventDefault();
      var url = share.getAttribute("data-share-url");
      var title = share.getAttribute("data-share-title") || document.title;
      var text = share.getAttribute("data-share-text") || title;
      // The poster was fetched when the page loaded: sharing must start right in the tap.
      var data = share.posterFile ? { files: [share.posterFile], title: title, text: text + " " + url }
                                  : { title: title, text: text, url: url };
      navigator.share(data).catch(function () {});
      return;
    }
    var full = event.target.closest("[data-fullscreen]");
    if (full && document.fullscreenEnabled) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });
  // Show the Web Share and full-screen buttons where the browser has those features.
  function enhance(root) {
    root.querySelectorAll("[data-share-url]").forEach(function (el) {
      el.hidden = !navigator.share;
      var src = el.getAttribute("data-share-file");
      if (!src || !navigator.canShare || !window.File || el.posterFetched) { return; }
      el.posterFetched = true;
      fetch(src, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.blob() : null; }).then(function (blob) {
        if (!blob) { return; }
        var file = new File([blob], "poster.png", { type: "image/png" });
        if (navigator.canShare({ files: [file] })) { el.posterFile = file; }
      }).catch(function () {});
    });
    root.querySelectorAll("[data-fullscreen]").forEach(function (el) { el.hidden = !document.fullscreenEnabled; });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Boosted navigation swaps the body without a new DOMContentLoaded.
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelectorAll) { enhance(event.target); }
  });

  // After an htmx swap replaced what had the focus, put it back on the same control in the new content
  // (or its first heading, alert or control), so keyboard and screen reader users are not thrown to the top.
  var lost = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target, active = document.activeElement;
    lost = target && target !== document.body && target.id && target.contains(active)
      ? { region: target.id, id: active.id, label: active.getAttribute("aria-label"), text: active.textContent }
      : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var was = lost, region = was && document.getElementById(was.region);
    lost = null;
    if (!region || (document.activeElement && document.activeElement !== document.body)) { return; }
    var same = Array.prototype.filter.call(region.querySelectorAll("a[href], button, input, select, textarea"),
      function (el) {
        return (was.id && el.id === was.id) || (was.label && el.getAttribute("aria-label") === was.label) ||
               (!was.label && el.textContent === was.text);
      })[0];
    var to = same || region.querySelector("[role=alert], h1, h2, h3, a[href], button, input, [role=status]") || region;
    if (!to.matches("a[href], button, input, select, textarea")) { to.setAttribute("tabindex", "-1"); }
    to.focus({ preventScroll: true });
  });

  // Offline, a boosted link cannot be fetched: navigate for real so the service worker's offline answer shows.
  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.boosted && event.detail.requestConfig.verb === "get") {
      window.location.assign(event.detail.pathInfo.requestPath);
    }
  });

  // Installable app: the service worker lives at the root so it may answer for every page (see /sw.js).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
})();
