import * as vscode from 'vscode';
import type { GenerationView, GridItem, PanelStrings, ToWebviewMessage } from '../shared/protocol';
import * as path from 'node:path';
import { isInsideFolder } from '../util/paths';
import { shorten } from '../util/text';
import { createNonce, remoteOriginOf } from './csp';
import type { GenerationSummary } from './generationView';
import { buildPanelHtml } from './html';

/*
 * What the video panel shows, turned into what its webview gets: the message it renders, the HTML document with the
 * CSP that lets exactly those videos load, and the tab's title. The manager (videoPanel.ts) decides when.
 */

/** One cell of a batch grid; `video` is an http(s) URL or a local file. */
export type GridItemInput =
  | { readonly state: 'done'; readonly view: GenerationSummary; readonly video: vscode.Uri }
  | { readonly state: 'failed'; readonly label: string; readonly reason: string }
  | { readonly state: 'running'; readonly label: string; readonly detail: string };

export type PanelContent =
  | { readonly kind: 'generation'; readonly view: GenerationSummary; readonly video: vscode.Uri; readonly fromGrid: boolean }
  | { readonly kind: 'grid'; readonly title: string; readonly items: readonly GridItemInput[] }
  | { readonly kind: 'notice'; readonly text: string };

/** Where the shown videos come from: what the CSP's `media-src` must allow. */
export interface MediaSources {
  readonly origins: string[];
  readonly local: boolean;
  /** Equal keys allow the same sources (the document can stay). */
  readonly key: string;
}

const TITLE_PROMPT_LENGTH = 40;

export function isRemote(uri: vscode.Uri): boolean {
  return uri.scheme === 'https' || uri.scheme === 'http';
}

function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

export function videosOf(content: PanelContent): vscode.Uri[] {
  switch (content.kind) {
    case 'generation':
      return [content.video];
    case 'grid':
      return content.items.flatMap((item) => (item.state === 'done' ? [item.video] : []));
    case 'notice':
      return [];
  }
}

export function mediaSourcesOf(content: PanelContent): MediaSources {
  const origins = new Set<string>();
  let local = false;
  for (const video of videosOf(content)) {
    if (isRemote(video)) {
      const origin = remoteOriginOf(video.toString(true));
      if (origin) {
        origins.add(origin);
      }
    } else {
      local = true;
    }
  }
  const sorted = [...origins].sort();
  return { origins: sorted, local, key: JSON.stringify([sorted, local]) };
}

/** The message the webview renders `content` from; `canReturnToGrid`: a generation opened from a grid shows Back. */
export function contentMessage(webview: vscode.Webview, content: PanelContent, canReturnToGrid: boolean): ToWebviewMessage {
  switch (content.kind) {
    case 'generation':
      return {
        type: 'showGeneration',
        generation: viewOf(webview, content.view, content.video),
        canReturnToGrid: content.fromGrid && canReturnToGrid,
      };
    case 'grid':
      return { type: 'showGrid', title: content.title, items: content.items.map((item) => gridItemOf(webview, item)) };
    case 'notice':
      return { type: 'notice', text: content.text };
  }
}

function gridItemOf(webview: vscode.Webview, item: GridItemInput): GridItem {
  switch (item.state) {
    case 'done':
      return { state: 'done', view: viewOf(webview, item.view, item.video) };
    case 'failed':
      return { state: 'failed', label: item.label, reason: item.reason };
    case 'running':
      return { state: 'running', label: item.label, detail: item.detail };
  }
}

/** Copies exactly the protocol's fields (JSON has no NaN: unknown numbers become null). */
function viewOf(webview: vscode.Webview, view: GenerationSummary, video: vscode.Uri): GenerationView {
  return {
    id: view.id,
    prompt: view.prompt,
    negativePrompt: view.negativePrompt,
    seed: view.seed,
    endpoint: view.endpoint,
    size: { label: view.size.label, width: view.size.width, height: view.size.height },
    frames: finiteOrNull(view.frames),
    fps: finiteOrNull(view.fps),
    steps: finiteOrNull(view.steps),
    guidance: finiteOrNull(view.guidance),
    totalMs: finiteOrNull(view.totalMs),
    inferenceSeconds: finiteOrNull(view.inferenceSeconds),
    videoSrc: isRemote(video) ? video.toString(true) : webview.asWebviewUri(video).toString(),
    sandboxNote: view.sandboxNote,
    charge: view.charge ?? null,
  };
}

export function titleOf(content: PanelContent): string {
  switch (content.kind) {
    case 'generation':
      return vscode.l10n.t('Video: {0}', shorten(content.view.prompt, TITLE_PROMPT_LENGTH));
    case 'grid':
      return content.title;
    case 'notice':
      return vscode.l10n.t('AnimateDiff Video');
  }
}

/** The whole HTML document for `message`, with a fresh nonce and a CSP that lets exactly `media` load. */
export function panelDocument(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  title: string,
  message: ToWebviewMessage,
  media: MediaSources,
  strings: PanelStrings,
): string {
  const asset = (...segments: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...segments)).toString();
  return buildPanelHtml({
    cspSource: webview.cspSource,
    nonce: createNonce(),
    mediaOrigins: media.origins,
    localMedia: media.local,
    scriptUri: asset('dist', 'webview', 'panel.js'),
    styleUri: asset('media', 'panel.css'),
    language: vscode.env.language,
    title,
    initialData: { locale: vscode.env.language, strings, content: message, exportScript: asset('dist', 'webview', 'export.js') },
  });
}

/** Whether `uri` is inside the folder `root` (same scheme and authority). */
export function isInsideUri(uri: vscode.Uri, root: vscode.Uri): boolean {
  return uri.scheme === root.scheme && uri.authority === root.authority && isInsideFolder(uri.path, root.path, path.posix);
}
