import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { HISTORY_FOLDER_NAME, HISTORY_INDEX_FILE_NAME, HISTORY_RUNNING_FOLDER_NAME } from './history/ids';
import { PANEL_MEMORY_FILE_NAME } from './panel/ids';

/*
 * What activation (src/extension.ts) asks before the core is loaded: whether jobs were left running and whether the
 * video panel was open. Only vscode and Node built-ins: this is bundled into the activation entry, which must stay light.
 */

/**
 * Whether the history has a job that was still submitting, queued or running: a window reload interrupted it and
 * the core should load to resume it. The store keeps an empty file per such job in `running/`, so this lists one
 * small folder whatever the history's size. A first-version index not yet moved into the history is searched as
 * text. A false positive only loads the core, which then knows better.
 */
export async function historyHasUnfinishedJobs(globalStorageUri: vscode.Uri): Promise<boolean> {
  if (globalStorageUri.scheme !== 'file') {
    return false;
  }
  const folder = path.join(globalStorageUri.fsPath, HISTORY_FOLDER_NAME);
  try {
    if ((await fsp.readdir(path.join(folder, HISTORY_RUNNING_FOLDER_NAME))).length > 0) {
      return true;
    }
  } catch {
    // No history yet, or one of the first version.
  }
  try {
    const text = await fsp.readFile(path.join(folder, HISTORY_INDEX_FILE_NAME), 'utf8');
    return /"status":"(submitting|queued|running)"/.test(text);
  } catch {
    return false;
  }
}

/**
 * Whether this workspace's video panel was open when its window last went away: the core loads to open it again
 * if VS Code did not restore it. Only for a workspace (an empty window has no storage of its own).
 */
export async function panelWasOpen(workspaceStorageUri: vscode.Uri | undefined): Promise<boolean> {
  if (workspaceStorageUri?.scheme !== 'file') {
    return false;
  }
  try {
    return /"open":true/.test(await fsp.readFile(path.join(workspaceStorageUri.fsPath, PANEL_MEMORY_FILE_NAME), 'utf8'));
  } catch {
    return false;
  }
}
