import * as vscode from 'vscode';
import { readGenerationDefaults } from '../config/settings';
import { LIMITS } from '../model/animateDiff';
import { buildTextToVideoInput } from '../model/request';
import { formatCount } from '../util/text';
import type { GenerationService } from '../generation/generationService';
import type { GenerationOutcome, GenerationSourceKind } from '../model/generation';
import type { Interaction } from '../ui/interaction';
import { readSettings } from '../config/reader';

/** Why a prompt cannot be sent as it is (too long), or undefined. */
export function promptProblem(prompt: string): string | undefined {
  const { maxLength } = LIMITS.prompt;
  return prompt.length > maxLength
    ? `The prompt is ${formatCount(prompt.length)} characters; at most ${formatCount(maxLength)} are sent to fal.`
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
    void interaction.warning(`${tooLong} ${source === 'selection' ? 'Select a shorter text' : 'Shorten it'}, then generate again. Nothing was sent.`, {});
    return { kind: 'notStarted', reason: 'prompt too long' };
  }
  const defaults = readGenerationDefaults(readSettings());
  if (!defaults.ok) {
    const choice = await interaction.error(`${defaults.problems.map((p) => p.message).join(' ')} Your prompt was not sent.`, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', defaults.problems[0].setting);
    }
    return { kind: 'notStarted', reason: 'invalid settings' };
  }
  const input = buildTextToVideoInput(prompt, defaults.defaults);
  return service.generate({ input: { ...input }, source: { kind: source, file: vscode.window.activeTextEditor?.document.uri.toString() } });
}
