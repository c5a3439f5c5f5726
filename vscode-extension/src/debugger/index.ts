// The `glassgrad` debugger type: configurations, the adapter process, its failures, and the
// "Debug File with glassgrad" command.
import * as path from "node:path";
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import type { PythonEnvironment } from "../python/environment";
import { AdapterFactory } from "./adapter";
import { DEBUG_TYPE } from "./configuration";
import { ConfigurationProvider, debugFile, DynamicConfigurationProvider } from "./provider";
import { SessionTrackers } from "./tracker";

export function registerDebugger(
  api: VsCodeApi,
  context: vscode.ExtensionContext,
  environment: PythonEnvironment,
  log: (msg: string) => void,
  showLog: () => void,
): SessionTrackers {
  const adapters = new AdapterFactory(api, environment, path.join(context.logUri.fsPath, "adapter"), log);
  const trackers = new SessionTrackers(api, adapters, log, showLog);
  context.subscriptions.push(
    api.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider(api, environment)),
    api.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      new DynamicConfigurationProvider(),
      api.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    api.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, adapters),
    api.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, trackers),
    api.commands.registerCommand("glassgrad.debugFile", (uri?: vscode.Uri) => debugFile(api, uri)),
  );
  return trackers;
}
