import * as vscode from 'vscode';
import { CODE_LANGUAGE_NAMES, CODE_LANGUAGES, requestAsCode, type CodeLanguage } from '../model/requestAsCode';
import type { Interaction } from '../ui/interaction';

/** What "Copy as Code" reproduces: the endpoint and the exact body (with the seed fal used, for the same video). */
export interface RequestToCopy {
  endpoint: string;
  input: Readonly<Record<string, unknown>>;
}

export function isCodeLanguage(value: unknown): value is CodeLanguage {
  return typeof value === 'string' && (CODE_LANGUAGES as readonly string[]).includes(value);
}

/** Asks which language (unless given), copies the request as code and says so. The key is never in the code. */
export async function copyRequestAsCode(request: RequestToCopy, interaction: Interaction, language?: CodeLanguage, placeHolder = vscode.l10n.t('Copy the request as…')): Promise<string | undefined> {
  const chosen = language ?? (await interaction.pick(
    CODE_LANGUAGES.map((id) => ({ label: CODE_LANGUAGE_NAMES[id], id })),
    { title: vscode.l10n.t('Copy as Code'), placeHolder },
  ))?.id;
  if (!chosen) {
    return undefined;
  }
  const code = requestAsCode(chosen, request.endpoint, request.input);
  await vscode.env.clipboard.writeText(code);
  void interaction.info(vscode.l10n.t('Copied as {0}. It reads your key from the FAL_KEY environment variable; the key is not in the code.', CODE_LANGUAGE_NAMES[chosen]));
  return code;
}

/** The request that makes this video again: the body sent, with the seed fal reported when it had none. */
export function reproducingRequest(endpoint: string, input: Readonly<Record<string, unknown>>, seed: number | null | undefined): RequestToCopy {
  return { endpoint, input: seed === null || seed === undefined ? input : { ...input, seed } };
}
