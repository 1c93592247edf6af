import * as vscode from 'vscode';
import { PARAMS_FILE_SUFFIX } from '../ids';


/** For CodeLens and CodeActions: every `*.animate.json`, on disk or in a virtual workspace. */
export const PARAMS_DOCUMENT_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.animate.json' }];

export function isParamsFileUri(uri: vscode.Uri): boolean {
  return uri.path.toLowerCase().endsWith(PARAMS_FILE_SUFFIX) && uri.scheme !== 'git' && uri.scheme !== 'output';
}

export function isParamsDocument(document: vscode.TextDocument): boolean {
  return isParamsFileUri(document.uri);
}

/** The last segment of a URI's path (`fox.animate.json`). */
export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** The open document for `uri`, if any (its text may be newer than the file on disk). */
export function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((document) => document.uri.toString() === key);
}

/** The text a run uses: the editor's (saved or not) when the file is open, else the file on disk. */
export async function readParamsText(uri: vscode.Uri): Promise<string> {
  const document = openDocument(uri);
  if (document) {
    return document.getText();
  }
  return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
}

/** A path to show: relative to the workspace when the file is in it. */
export function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}
