import {
  PANEL_DATA_ATTRIBUTE,
  PANEL_DATA_ELEMENT_ID,
  panelInitialDataSchema,
  toWebviewMessageSchema,
  type WebviewMessage,
  type WebviewState,
} from '../shared/protocol';
import { PanelApp } from './app';

/** The video panel's script: reads its initial data from the page, then renders what the host posts. */

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

function readInitialData(): unknown {
  const text = document.getElementById(PANEL_DATA_ELEMENT_ID)?.getAttribute(PANEL_DATA_ATTRIBUTE);
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function main(): void {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('app');
  const initial = panelInitialDataSchema.safeParse(readInitialData());
  if (!root || !initial.success) {
    // Only reachable through a build mismatch between host and webview; nothing localised is available.
    console.error('AnimateDiff video panel: invalid initial data', initial.error?.issues);
    return;
  }
  const app = new PanelApp(root, { post: (message) => vscode.postMessage(message), setState: (state) => vscode.setState(state) }, initial.data.strings, initial.data.locale);
  if (initial.data.content) {
    app.show(initial.data.content);
  }
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = toWebviewMessageSchema.safeParse(event.data);
    if (message.success) {
      app.show(message.data);
    } else {
      console.warn('AnimateDiff video panel: ignored an invalid message', message.error.issues);
    }
  });
  vscode.postMessage({ type: 'ready' });
}

main();
