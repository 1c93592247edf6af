import * as vscode from 'vscode';
import { SECTION, type SettingsReader } from './settings';

/** The one reader of the extension's settings, as they are now (the workspace's value over the user's). */
export function readSettings(): SettingsReader {
  const configuration = vscode.workspace.getConfiguration(SECTION);
  return (name) => configuration.get<unknown>(name);
}
