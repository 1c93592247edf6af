import * as vscode from 'vscode';
import * as path from 'node:path';
import { OutputExistsError, writeTextFile } from '../files/atomicFile';
import { realPathOf } from '../files/containment';
import { readSettings } from '../config/reader';
import { readConnectionSettings } from '../config/settings';
import { PARAMS_FILE_SUFFIX } from '../params/ids';
import { renderParamsFromRequest } from '../params/template';
import { isInsideFolder } from '../util/paths';
import { paramsEndpointFor, type ParamsFileToolInput } from './videoInput';

/**
 * Writes a `.animate.json` parameter file from a chat request or an agent's description: nothing is sent to fal.
 * Only inside the workspace, and never over an existing file (a number is added to the name instead).
 */

const MAX_NAME_ATTEMPTS = 100;

export type WrittenParamsFile = { ok: true; uri: vscode.Uri; text: string } | { ok: false; problem: string };

/** `a red fox, running through snow!` → `a-red-fox-running-through`. */
export function slugOf(prompt: string): string {
  const words = prompt.toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}\s-]/gu, ' ').split(/\s+/).filter((word) => word !== '');
  const slug = words.slice(0, 5).join('-').replace(/-+/g, '-').slice(0, 48).replace(/-$/, '');
  return slug === '' ? 'video' : slug;
}

/** The file's text: the fields given, in the schema's order, the endpoint first. */
export function paramsFileText(input: ParamsFileToolInput, endpoint: string): string {
  const { name: _name, folder: _folder, ...fields } = input;
  return renderParamsFromRequest(paramsEndpointFor(endpoint), fields);
}

export async function writeParamsFile(input: ParamsFileToolInput): Promise<WrittenParamsFile> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!root) {
    return { ok: false, problem: vscode.l10n.t('No folder is open: open the folder the parameter file belongs in, then ask again.') };
  }
  const relative = (input.folder ?? '').replace(/\\/g, '/');
  if (/^[a-zA-Z]:|^\//.test(relative) || /^[a-zA-Z][\w+.-]*:\/\//.test(relative)) {
    return { ok: false, problem: vscode.l10n.t('"folder" must be relative to the workspace folder, not {0}.', JSON.stringify(input.folder)) };
  }
  const folderPath = path.posix.join(root.path, relative);
  if (!isInsideFolder(folderPath, root.path, path.posix)) {
    return { ok: false, problem: vscode.l10n.t('"folder" {0} leads outside the workspace folder; parameter files are only written inside it.', JSON.stringify(input.folder)) };
  }
  const folder = root.with({ path: folderPath });
  await vscode.workspace.fs.createDirectory(folder);
  if (folder.scheme === 'file') {
    try {
      if (!isInsideFolder(await realPathOf(folder.fsPath), await realPathOf(root.fsPath))) {
        return { ok: false, problem: vscode.l10n.t('"folder" {0} leads outside the workspace through a symbolic link.', JSON.stringify(input.folder)) };
      }
    } catch (error) {
      return { ok: false, problem: vscode.l10n.t('Could not check the folder: {0}', error instanceof Error ? error.message : String(error)) };
    }
  }
  const settings = readConnectionSettings(readSettings());
  const text = paramsFileText(input, settings.ok ? settings.value.endpoint : '');
  const stem = input.name?.replace(/\.animate\.json$/i, '').replace(/\.json$/i, '') ?? slugOf(input.prompt);
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
    const uri = vscode.Uri.joinPath(folder, `${stem}${attempt === 1 ? '' : `-${attempt}`}${PARAMS_FILE_SUFFIX}`);
    try {
      if (uri.scheme === 'file') {
        await writeTextFile(uri.fsPath, text);
      } else {
        if (await exists(uri)) {
          continue;
        }
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      }
      return { ok: true, uri, text };
    } catch (error) {
      if (error instanceof OutputExistsError) {
        continue;
      }
      return { ok: false, problem: vscode.l10n.t('Could not write {0}: {1}', path.posix.basename(uri.path), error instanceof Error ? error.message : String(error)) };
    }
  }
  return { ok: false, problem: vscode.l10n.t('{0} and {1} numbered names next to it already exist.', `${stem}${PARAMS_FILE_SUFFIX}`, MAX_NAME_ATTEMPTS - 1) };
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
