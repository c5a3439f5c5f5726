// The real language client (vscode-languageclient v9). The server's own copy of
// glassgrad.showGraph is left unregistered: that command is the extension's graph view.
import { ExecuteCommandRequest, LanguageClient, type ExecuteCommandOptions } from "vscode-languageclient/node";
import type * as vscode from "vscode";
import type { ClientFactory } from "./manager";
import { CLIENT_ID, CLIENT_NAME, serverCommandsToRegister } from "./options";

export function clientFactory(outputChannel: vscode.OutputChannel): ClientFactory {
  return (server, options) => {
    let running = (): boolean => false;
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, server, {
      ...options,
      outputChannel,
      middleware: {
        workspace: {
          // a settings change while the server starts would fail (and pop an error); the
          // server gets the settings in `initialize` anyway
          didChangeConfiguration: (sections, next) => (running() ? next(sections) : Promise.resolve()),
        },
      },
    });
    running = () => client.isRunning();
    const feature = client.getFeature(ExecuteCommandRequest.method);
    const register = feature.register.bind(feature);
    feature.register = (data: { id: string; registerOptions: ExecuteCommandOptions }) =>
      register({
        ...data,
        registerOptions: { ...data.registerOptions, commands: serverCommandsToRegister(data.registerOptions.commands) },
      });
    return client;
  };
}
