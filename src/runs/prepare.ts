import * as vscode from 'vscode';
import * as path from 'node:path';
import { realPathOf } from '../files/containment';
import { isInsideFolder } from '../util/paths';
import { isVideoToVideoEndpoint } from '../model/animateDiff';
import type { GenerationDefaults } from '../model/request';
import type { ParamDiagnostic } from '../params/diagnostics';
import type { ParamsDiagnostics } from '../params/editor/paramsDiagnostics';
import { baseName, displayPath, openDocument, readParamsText } from '../params/editor/paramsDocuments';
import type { ParamsFile } from '../params/fileSchema';
import { paramsCheck } from '../params/checkLoader';
import { buildRequestsFromParams, cryptoRandomSeed, resolveOutputFolder, resolveVideoSource, type ParamsRequest } from '../params/requests';

/** A file that is ready to run: valid, its requests built, its paths checked. */
export interface PreparedParamsFile {
  uri: vscode.Uri;
  name: string;
  text: string;
  params: ParamsFile;
  requests: ParamsRequest[];
  /** Where the videos and records go (inside the workspace). */
  outputFolder: vscode.Uri;
  /** A local `video_url` that is uploaded to fal storage first. */
  localVideo?: { uri: vscode.Uri; shown: string; contentType: string };
  /** The run used the editor's text, which differed from the file on disk. */
  unsaved: boolean;
}

export type PreparedOrProblem =
  | { ok: true; file: PreparedParamsFile }
  | { ok: false; uri: vscode.Uri; message: string; invalid: boolean };

const UPLOAD_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.gif': 'image/gif',
};

/**
 * The first step of a run: reads, validates and resolves one file. A problem is published on the file (at the
 * key it is about) and returned as a message; nothing has been sent.
 */
export async function prepareParamsFile(uri: vscode.Uri, defaults: GenerationDefaults, diagnostics: ParamsDiagnostics): Promise<PreparedOrProblem> {
  const name = baseName(uri);
  let text: string;
  try {
    text = await readParamsText(uri);
  } catch (error) {
    return { ok: false, uri, invalid: false, message: vscode.l10n.t('Could not read {0}: {1}', name, error instanceof Error ? error.message : String(error)) };
  }
  const refuse = (key: string, message: string): PreparedOrProblem => {
    diagnostics.setRunProblems(uri, text, [problemAtKey(text, key, message)]);
    return { ok: false, uri, invalid: false, message: `${name}: ${message}` };
  };
  const validation = diagnostics.checkText(uri, text);
  if (!validation.params) {
    const errors = validation.errorCount;
    const first = validation.diagnostics.find((d) => d.severity === 'error');
    const what = first?.message ?? vscode.l10n.t('it is not valid');
    const message = errors === 1
      ? vscode.l10n.t('{0} has an error: {1}', name, what)
      : vscode.l10n.t('{0} has {1} errors: {2} (and {3} more)', name, errors, what, errors - 1);
    return { ok: false, uri, invalid: true, message };
  }
  const params = validation.params;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const root = folder?.uri ?? uri.with({ path: path.posix.dirname(uri.path) });

  const output = resolveOutputFolder(uri.path, params.output, folder?.uri.path);
  if (!output.ok) {
    return refuse('output', output.message);
  }
  const outputFolder = uri.with({ path: output.path });
  if (outputFolder.scheme !== 'file') {
    const message = uri.scheme === 'untitled'
      ? vscode.l10n.t('{0}: results are written beside the file, but it has not been saved yet. Save it in a local folder to generate from it.', name)
      : vscode.l10n.t('{0}: results are written beside the file, but it is not on this computer\'s disk ({1}:). Save it in a local folder to generate from it.', name, uri.scheme);
    return { ok: false, uri, invalid: false, message };
  }
  if (!await staysInside(outputFolder, root)) {
    return refuse('output', vscode.l10n.t('"output" {0} leads outside the workspace through a symbolic link; results are only written inside it.', JSON.stringify(params.output)));
  }

  let localVideo: PreparedParamsFile['localVideo'];
  if (isVideoToVideoEndpoint(params.endpoint) && 'video_url' in params) {
    const source = resolveVideoSource(params.video_url, uri.path, folder?.uri.path);
    if (source.kind === 'refused') {
      return refuse('video_url', source.message);
    }
    if (source.kind === 'file') {
      const videoUri = uri.with({ path: source.path });
      const shown = displayPath(videoUri);
      try {
        const stat = await vscode.workspace.fs.stat(videoUri);
        if (stat.type & vscode.FileType.Directory) {
          return refuse('video_url', vscode.l10n.t('"video_url" {0} is a folder, not a video file.', JSON.stringify(params.video_url)));
        }
      } catch {
        return refuse('video_url', vscode.l10n.t('"video_url" {0}: there is no such file ({1}).', JSON.stringify(params.video_url), shown));
      }
      if (videoUri.scheme === 'file' && !await staysInside(videoUri, root)) {
        return refuse('video_url', vscode.l10n.t('"video_url" {0} leads outside the workspace through a symbolic link; only files inside it are uploaded.', JSON.stringify(params.video_url)));
      }
      const extension = path.posix.extname(source.path).toLowerCase();
      localVideo = { uri: videoUri, shown, contentType: UPLOAD_CONTENT_TYPES[extension] ?? 'application/octet-stream' };
    }
  }
  const requests = buildRequestsFromParams(params, defaults, cryptoRandomSeed);
  const unsaved = openDocument(uri)?.isDirty ?? false;
  return { ok: true, file: { uri, name, text, params, requests, outputFolder, localVideo, unsaved } };
}

/** Whether `target`, with symbolic links followed, is still inside `root`. */
async function staysInside(target: vscode.Uri, root: vscode.Uri): Promise<boolean> {
  try {
    return isInsideFolder(await realPathOf(target.fsPath), await realPathOf(root.fsPath));
  } catch {
    return false;
  }
}

/** A problem at a top-level key's value (or the top of the object when the key is not there). */
function problemAtKey(text: string, key: string, message: string): ParamDiagnostic {
  const root = paramsCheck().parseTreeWithinDepth(text, [], { allowTrailingComma: true });
  const node = root ? paramsCheck().findNodeAtLocation(root, [key]) : undefined;
  const at = node ?? root;
  return { offset: at?.offset ?? 0, length: node ? node.length : Math.min(1, text.length), severity: 'error', code: 'invalid-value', message };
}
