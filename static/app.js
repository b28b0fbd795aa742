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
})();
