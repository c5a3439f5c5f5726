// The tensor viewer's webview entry (bundled to dist/webviews/tensor.js).

import { byId } from "../common/dom";
import { webviewApi } from "../common/vscodeApi";
import { TensorView } from "./view";

const api = webviewApi();
const view = new TensorView(byId("app"), api);
api.onMessage((m) => {
  switch (m.type) {
    case "tensor/state":
      view.state(m.payload);
      break;
    case "tensor/loading":
      view.loading();
      break;
    case "tensor/show":
      view.show(m.payload);
      break;
    case "tensor/error":
      view.error(m.payload);
      break;
    default:
      break;
  }
});
api.post("ready", {});
