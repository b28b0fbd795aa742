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
      navigator.share({ title: share.getAttribute("data-share-title") || document.title,
                        url: share.getAttribute("data-share-url") }).catch(function () {});
    }
  });
  // Hide Web Share buttons where the browser has no Web Share API.
  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.share) {
      document.querySelectorAll("[data-share-url]").forEach(function (el) { el.hidden = true; });
    }
  });
})();
