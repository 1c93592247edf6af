import * as vscode from 'vscode';
import * as path from 'node:path';
import { seedOf, type GenerationRecord } from '../../model/generation';
import type { Interaction } from '../../ui/interaction';
import { PARAMS_FILE_SUFFIX } from '../ids';
import { paramsFileStem } from '../requests';
import { renderParamsFromRequest } from '../template';
import { baseName } from './paramsDocuments';

/** Writing parameter files the user names: the `.animate.json` suffix, safe names, and never replacing a file unasked. */

/**
 * "Save Parameters as .animate.json": writes the request exactly as sent (seed included) as a parameter file and
 * opens it. Without a `given` target, a save dialog asks where.
 */
export async function saveParametersFile(record: GenerationRecord, interaction: Interaction, given?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const seed = seedOf(record);
  const input = seed === undefined ? { ...record.input } : { ...record.input, seed };
  let target = given;
  if (!target) {
    const chosen = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save Parameters as .animate.json'),
      defaultUri: defaultParamsTarget(record, seed),
      filters: { [vscode.l10n.t('AnimateDiff parameters')]: ['animate.json'] },
    });
    target = chosen && await paramsTargetFromDialog(chosen, interaction);
    if (!target) {
      return undefined;
    }
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(renderParamsFromRequest(record.endpoint, input)));
  await vscode.window.showTextDocument(target, { preview: false });
  void interaction.info(vscode.l10n.t('Saved the parameters as {0}. Run it with "▶ Generate" to make the same video again.', vscode.workspace.asRelativePath(target)));
  return target;
}

function defaultParamsTarget(record: GenerationRecord, seed: number | undefined): vscode.Uri | undefined {
  const suffix = seed === undefined ? 'random' : String(seed);
  const source = record.source.file ? vscode.Uri.parse(record.source.file) : undefined;
  if (source && source.scheme === 'file' && vscode.workspace.getWorkspaceFolder(source)) {
    const stem = paramsFileStem(baseName(source)).replace(/-\d+$/, '');
    return source.with({ path: path.posix.join(path.posix.dirname(source.path), `${stem}-${suffix}${PARAMS_FILE_SUFFIX}`) });
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, `video-${suffix}${PARAMS_FILE_SUFFIX}`) : undefined;
}

/** `fox` or `fox.json` → `fox.animate.json`. */
export function withSuffix(name: string): string {
  const trimmed = name.trim();
  if (trimmed.toLowerCase().endsWith(PARAMS_FILE_SUFFIX)) {
    return trimmed;
  }
  return `${trimmed.replace(/\.json$/i, '')}${PARAMS_FILE_SUFFIX}`;
}

/**
 * The file a save dialog's choice is written to: with the `.animate.json` suffix added when missing. The dialog
 * asked about replacing the name the user typed; a different existing file is only replaced when they confirm.
 */
export async function paramsTargetFromDialog(chosen: vscode.Uri, interaction: Interaction): Promise<vscode.Uri | undefined> {
  const target = ensureParamsName(chosen);
  if (target.toString() === chosen.toString() || !await exists(target)) {
    return target;
  }
  const replace = vscode.l10n.t('Replace');
  const choice = await interaction.warning(vscode.l10n.t('{0} already exists. Replace it?', baseName(target)), { modal: true }, replace);
  return choice === replace ? target : undefined;
}

function ensureParamsName(uri: vscode.Uri): vscode.Uri {
  const name = baseName(uri);
  return name.toLowerCase().endsWith(PARAMS_FILE_SUFFIX)
    ? uri
    : uri.with({ path: path.posix.join(path.posix.dirname(uri.path), withSuffix(name)) });
}

export function fileNameProblem(value: string): string | undefined {
  const name = value.trim();
  if (name === '' || withSuffix(name) === PARAMS_FILE_SUFFIX) {
    return vscode.l10n.t('Enter a name, such as fox-in-snow.');
  }
  if (/[\\/:*?"<>|]/.test(name) || name.startsWith('.')) {
    return vscode.l10n.t('Use a plain file name without / \\ : * ? " < > | or a leading dot.');
  }
  return undefined;
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

