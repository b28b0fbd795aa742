// Added to every tab by Playwright as an init script, which the page's CSP does not govern: it reports each
// Content-Security-Policy violation to the test (window.__cspViolation is a Playwright binding).
document.addEventListener("securitypolicyviolation", function (event) {
  var target = event.target && event.target.tagName ? "<" + event.target.tagName.toLowerCase() +
    (event.target.id ? "#" + event.target.id : "") + ">" : "";
  window.__cspViolation([
    location.pathname, event.effectiveDirective, "blocked", event.blockedURI || "inline", target,
    "in", (event.sourceFile || "") + ":" + event.lineNumber, event.sample || "",
  ].join(" "));
});
