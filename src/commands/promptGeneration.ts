import * as vscode from 'vscode';
import { readGenerationDefaults } from '../config/settings';
import { LIMITS } from '../model/animateDiff';
import { buildTextToVideoInput } from '../model/request';
import { formatCount } from '../util/text';
import type { GenerationService } from '../generation/generationService';
import type { GenerationOutcome, GenerationSourceKind } from '../model/generation';
import type { Interaction } from '../ui/interaction';
import { readSettings } from '../config/reader';
import { l10n } from '../l10n/l10n';

/** Why a prompt cannot be sent as it is (too long), or undefined. */
export function promptProblem(prompt: string): string | undefined {
  const { maxLength } = LIMITS.prompt;
  return prompt.length > maxLength
    ? l10n.t('The prompt is {0} characters; at most {1} are sent to fal.', formatCount(prompt.length), formatCount(maxLength))
    : undefined;
}

/** Generates from a prompt with the user's `animateDiff.defaults.*`; an invalid setting is named, nothing is sent. */
export async function generateFromPrompt(
  service: GenerationService,
  interaction: Interaction,
  prompt: string,
  source: GenerationSourceKind,
): Promise<GenerationOutcome> {
  const tooLong = promptProblem(prompt);
  if (tooLong) {
    void interaction.warning(source === 'selection'
      ? vscode.l10n.t('{0} Select a shorter text, then generate again. Nothing was sent.', tooLong)
      : vscode.l10n.t('{0} Shorten it, then generate again. Nothing was sent.', tooLong), {});
    return { kind: 'notStarted', reason: 'prompt too long' };
  }
  const defaults = readGenerationDefaults(readSettings());
  if (!defaults.ok) {
    const openSettings = vscode.l10n.t('Open Settings');
    const choice = await interaction.error(vscode.l10n.t('{0} Your prompt was not sent.', defaults.problems.map((p) => p.message).join(' ')), openSettings);
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', defaults.problems[0].setting);
    }
    return { kind: 'notStarted', reason: 'invalid settings' };
  }
  const input = buildTextToVideoInput(prompt, defaults.defaults);
  return service.generate({ input: { ...input }, source: { kind: source, file: vscode.window.activeTextEditor?.document.uri.toString() } });
}
