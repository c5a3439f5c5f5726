// The graph view's webview entry (bundled to dist/webviews/graph.js). ELK runs in the page
// (elk.bundled.js: no worker, no eval, so the CSP stays strict).

import ELK from "elkjs/lib/elk.bundled.js";
import { byId } from "../common/dom";
import { webviewApi } from "../common/vscodeApi";
import type { Measure } from "./layout";
import { GraphView } from "./view";

function textMeasure(): Measure {
  const ctx = document.createElement("canvas").getContext("2d");
  const family = getComputedStyle(document.body).fontFamily || "sans-serif";
  return (text, bold) => {
    if (!ctx) return text.length * 7;
    ctx.font = `${bold ? "600 " : ""}12px ${family}`;
    return ctx.measureText(text).width;
  };
}

const api = webviewApi();
const view = new GraphView(byId("app"), api, new ELK(), textMeasure());
api.onMessage((m) => {
  switch (m.type) {
    case "graph/show":
      view.show(m.payload);
      break;
    case "graph/ops":
      view.ops(m.payload);
      break;
    case "graph/status":
      view.status(m.payload);
      break;
    case "graph/error":
      view.error(m.payload);
      break;
    default:
      break;
  }
});
api.post("ready", {});
