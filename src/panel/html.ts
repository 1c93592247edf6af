import {
  PANEL_DATA_ATTRIBUTE,
  PANEL_DATA_ELEMENT_ID,
  type PanelInitialData,
} from '../shared/protocol';
import { buildContentSecurityPolicy, type ContentSecurityPolicyInput } from './csp';

/** Builds the panel's whole HTML document. Pure (no `vscode` import) so it is tested on Node. */

export interface PanelHtmlInput extends ContentSecurityPolicyInput {
  /** Webview URI of dist/webview/panel.js. */
  readonly scriptUri: string;
  /** Webview URI of media/panel.css. */
  readonly styleUri: string;
  /** BCP 47 language tag of VS Code's display language. */
  readonly language: string;
  readonly title: string;
  readonly initialData: PanelInitialData;
}

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for a double- or single-quoted attribute value or element content. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ATTRIBUTE_ESCAPES[character] ?? character);
}

export function buildPanelHtml(input: PanelHtmlInput): string {
  const csp = buildContentSecurityPolicy(input);
  const data = JSON.stringify(input.initialData);
  return `<!DOCTYPE html>
<html lang="${escapeHtml(input.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta id="${PANEL_DATA_ELEMENT_ID}" ${PANEL_DATA_ATTRIBUTE}="${escapeHtml(data)}">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>${escapeHtml(input.title)}</title>
</head>
<body>
<main id="app"></main>
<script nonce="${escapeHtml(input.nonce)}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>
`;
}
