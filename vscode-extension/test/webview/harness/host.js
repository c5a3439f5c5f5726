/* global window, document, location, URLSearchParams */
// The harness's host side: loads /view/<view>.html?theme=<kind> (the extension's own HTML for the
// view, from src/webviews/host/html.ts, with fake-vscode-api.js put first as VS Code puts its
// own script) and records every message the view posts.
(function () {
  const params = new URLSearchParams(location.search);
  const theme = params.get("theme") || "dark";
  const view = params.get("view") || "graph";
  const harness = {
    theme,
    posted: [],
    sent: [],
    /** a message from the extension to the view */
    send(message) {
      harness.sent.push(message);
      document.getElementById("view").contentWindow.postMessage(message, "*");
    },
    /** the posted messages of a type */
    of(type) {
      return harness.posted.filter((m) => m && m.type === type);
    },
  };
  window.harness = harness;
  window.addEventListener("message", (event) => {
    if (event.data && event.data.__fromWebview) harness.posted.push(event.data.__fromWebview);
  });
  window.addEventListener("DOMContentLoaded", () => {
    document.getElementById("view").src = `/view/${view}.html?theme=${encodeURIComponent(theme)}`;
  });
})();
