import * as vscode from 'vscode';
import * as path from 'node:path';
import { readSettings } from '../config/reader';
import { formatList } from '../l10n/l10n';
import { readConnectionSettings } from '../config/settings';
import { pathExists } from '../files/atomicFile';
import { displayPath } from '../params/editor/paramsDocuments';
import { outputNameFor } from '../params/requests';
import type { RequestToCopy } from '../panel/copyAsCode';
import { Disposable } from '../util/dispose';
import { redact } from '../util/redaction';
import { outputPairIn } from './outputPlan';
import type { PreparedParamsFile } from './prepare';

export const DRY_RUN_SCHEME = 'animatediff-dry-run';

const QUEUE_HOST = 'https://queue.fal.run';

/** What "Dry run" shows: the requests a run would send, exactly, with the key never read nor shown. */
export interface DryRunDocument {
  dryRun: string;
  file: string;
  requests: Array<{
    method: 'POST';
    url: string;
    headers: Record<string, string>;
    body: Record<string, unknown>;
    savesTo: string[];
  }>;
  notes: string[];
}

/** Builds the dry run of a prepared file. Nothing is sent and the key is not even read. */
export async function buildDryRun(file: PreparedParamsFile): Promise<DryRunDocument> {
  const connection = readConnectionSettings(readSettings());
  const proxyUrl = connection.ok ? connection.value.proxyUrl : undefined;
  const notes: string[] = [];
  const random = !Array.isArray(file.params.seed) && (file.params.variations !== undefined || file.params.seed === undefined || file.params.seed === null);
  if (random && file.requests.length > 1) {
    notes.push(vscode.l10n.t('The {0} seeds of "variations" are drawn at random on every run; these are examples. Each result record keeps the seed it used.', file.requests.length));
  } else if (random) {
    notes.push(vscode.l10n.t('"seed" is not fixed (nor set in animateDiff.defaults.seed): each run draws a new random seed, recorded in the result. This one is an example.'));
  }
  if (file.localVideo) {
    notes.push(vscode.l10n.t('"video_url" is a local file: {0} ({1}) is uploaded to fal storage first, and the body carries the URL fal storage gives it.', file.localVideo.shown, file.localVideo.contentType));
  }
  if (proxyUrl) {
    notes.push(vscode.l10n.t('Requests go through the team proxy {0}, which adds the fal key.', proxyUrl));
  }
  const requests: DryRunDocument['requests'] = [];
  const existing: string[] = [];
  for (const request of file.requests) {
    const body: Record<string, unknown> = { ...request.input };
    if (file.localVideo) {
      body.video_url = `<${vscode.l10n.t('fal storage URL of {0}, after the upload', file.localVideo.shown)}>`;
    }
    const target = `${QUEUE_HOST}/${request.endpoint}`;
    const headers: Record<string, string> = proxyUrl
      ? { 'Content-Type': 'application/json', 'x-fal-target-url': target }
      : { Authorization: `Key <${vscode.l10n.t('redacted: your fal key, never shown')}>`, 'Content-Type': 'application/json' };
    const pair = outputPairIn(file.outputFolder.fsPath, outputNameFor(file.name, request.seed));
    const savesTo = [pair.video, pair.record].map((saved) => displayPath(vscode.Uri.file(saved)));
    if (file.outputFolder.scheme === 'file') {
      for (const saved of [pair.video, pair.record]) {
        if (await pathExists(saved)) {
          existing.push(path.basename(saved));
        }
      }
    }
    requests.push({ method: 'POST', url: proxyUrl ?? target, headers, body, savesTo });
  }
  if (existing.length > 0) {
    notes.push(existing.length === 1
      ? vscode.l10n.t('{0} already exists: the run asks whether to replace or keep both before sending anything.', existing[0])
      : vscode.l10n.t('{0} already exist: the run asks whether to replace or keep both before sending anything.', formatList(existing, 'conjunction')));
  }
  return {
    dryRun: file.requests.length === 1
      ? vscode.l10n.t('Nothing was sent to fal and no credits were spent. Running {0} sends this request.', file.name)
      : vscode.l10n.t('Nothing was sent to fal and no credits were spent. Running {0} sends these {1} requests.', file.name, file.requests.length),
    file: displayPath(file.uri),
    requests,
    notes,
  };
}

/** Serves dry runs as read-only JSON documents (`animatediff-dry-run:` URIs), refreshed when run again. */
export class DryRunDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  /** The requests each open dry run shows, for "Copy as Code". */
  private readonly requests = new Map<string, RequestToCopy[]>();
  private readonly changeEmitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changeEmitter.event;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(DRY_RUN_SCHEME, this));
    this._register(vscode.workspace.onDidCloseTextDocument((document) => {
      if (document.uri.scheme === DRY_RUN_SCHEME) {
        this.contents.delete(document.uri.toString());
        this.requests.delete(document.uri.toString());
      }
    }));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? `${JSON.stringify({ dryRun: vscode.l10n.t('Run "Dry Run Parameter File" again to see the requests.') }, null, 2)}\n`;
  }

  /** The requests a dry run document shows (empty when it is not one, or closed). */
  requestsOf(uri: vscode.Uri): readonly RequestToCopy[] {
    return this.requests.get(uri.toString()) ?? [];
  }

  /** Opens (or refreshes) the dry run of a file beside it. */
  async show(file: PreparedParamsFile, dryRun: DryRunDocument): Promise<vscode.TextEditor> {
    // Not `*.animate.json`, so neither the parameter schema nor its checks apply to it.
    const uri = vscode.Uri.from({ scheme: DRY_RUN_SCHEME, path: `/${file.name} (dry run).json`, query: file.uri.toString() });
    this.contents.set(uri.toString(), `${redact(JSON.stringify(dryRun, null, 2))}\n`);
    this.requests.set(uri.toString(), file.requests.map((request, index) => ({ endpoint: request.endpoint, input: dryRun.requests[index].body })));
    this.changeEmitter.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const json = await vscode.languages.setTextDocumentLanguage(document, 'json');
    return vscode.window.showTextDocument(json, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: false });
  }
}
