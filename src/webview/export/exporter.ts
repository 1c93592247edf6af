import type { EncodeRequest, WebviewMessage } from '../../shared/protocol';

/** What dist/webview/export.js (the encoders, loaded on first use) hands the panel's script. */
export interface Exporter {
  /** Encodes as asked; resolves with the answer to post (`encoded` or `encodeFailed`), never rejects. */
  run(request: EncodeRequest): Promise<WebviewMessage>;
}

/** The global through which the export script hands itself to the panel's script. */
export const EXPORTER_GLOBAL = 'animateDiffExporter';
