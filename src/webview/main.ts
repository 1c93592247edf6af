import {
  PANEL_DATA_ATTRIBUTE,
  PANEL_DATA_ELEMENT_ID,
  panelInitialDataSchema,
  toWebviewMessageSchema,
  type WebviewMessage,
  type WebviewState,
} from '../shared/protocol';
import { PanelApp } from './app';
import { EXPORTER_GLOBAL, type Exporter } from './export/exporter';

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

/** Loads the encoders (dist/webview/export.js) once, with this page's nonce: the CSP admits no other script. */
function exporterLoader(src: string | undefined): () => Promise<Exporter> {
  let loading: Promise<Exporter> | undefined;
  const nonce = document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce ?? '';
  return () => (loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.nonce = nonce;
    script.onload = () => {
      const exporter = (window as unknown as Record<string, Exporter | undefined>)[EXPORTER_GLOBAL];
      return exporter ? resolve(exporter) : reject(new Error('the export script did not load'));
    };
    script.onerror = () => reject(new Error('the export script did not load'));
    script.src = src ?? '';
    document.body.append(script);
  }));
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
  if (initial.data.content && initial.data.content.type !== 'encode') {
    app.show(initial.data.content);
  }
  const exporter = exporterLoader(initial.data.exportScript);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = toWebviewMessageSchema.safeParse(event.data);
    const data = message.data;
    if (data?.type === 'encode') {
      void exporter().then((loaded) => loaded.run(data), (error: Error) => ({ type: 'encodeFailed' as const, requestId: data.requestId, message: error.message }))
        .then((answer) => vscode.postMessage(answer));
    } else if (data) {
      app.show(data);
    } else {
      console.warn('AnimateDiff video panel: ignored an invalid message', message.error.issues);
    }
  });
  vscode.postMessage({ type: 'ready' });
}

main();
