/* global window, document, location, URLSearchParams */
// Runs in the view's document before its Content Security Policy (as VS Code's own injected
// script does): acquireVsCodeApi() posting to the host, the theme's variables on <html> and its
// class on <body>, and a record of CSP violations (window.cspViolations) for the tests.
(function () {
  const kind = new URLSearchParams(location.search).get("theme") || "dark";
  const theme = window.parent.GLASSGRAD_THEMES[kind];
  const root = document.documentElement;
  for (const [name, value] of Object.entries(theme.vars)) root.style.setProperty(`--vscode-${name}`, value);
  root.setAttribute("data-theme", kind);
  document.addEventListener("DOMContentLoaded", () => {
    document.body.classList.add(...theme.bodyClass.split(" "));
    document.body.setAttribute("data-vscode-theme-kind", theme.bodyClass.split(" ").pop());
  });
  window.cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  let state;
  let acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error("An instance of the VS Code API has already been acquired");
    acquired = true;
    return Object.freeze({
      postMessage: (message) => window.parent.postMessage({ __fromWebview: message }, "*"),
      getState: () => state,
      setState: (s) => {
        state = s;
        return s;
      },
    });
  };
})();
