import * as vscode from 'vscode';
import { chargeText } from '../model/price';
import { PARAMS_COMMANDS } from '../params/editor/paramsCodeLens';
import { LIMITS } from '../model/animateDiff';
import { messageOf, shorten } from '../util/text';
import type {
  ChatContextLike, ChatFollowupLike, ChatRequestLike, ChatResponseStreamLike, ChatResultLike, LanguageModelChatLike, ModernApi,
} from './modernApi';
import { PARTICIPANT_COMMANDS } from './ids';
import { writeParamsFile } from './paramsFileWriting';
import { formatChatPrompt, parseChatPrompt, SIZE_WORDS } from './promptOptions';
import { checkInput, paramsFileInputSchema } from './videoInput';
import { describeVideo, planVideos, type VideoRuns } from './videoRuns';

type ParticipantCommand = (typeof PARTICIPANT_COMMANDS)[number] | 'help';

/** Variations made by `/variations` when the request does not say how many. */
export const DEFAULT_VARIATIONS = 3;

/** What a response remembers (VS Code keeps it with the conversation): what was asked for, and what was made. */
export interface ParticipantMetadata {
  readonly command: ParticipantCommand;
  /** The description, when there was one. */
  readonly prompt?: string;
  /** The other fields, as the chat prompt gave them (or the previous request did). */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly videos?: ReadonlyArray<{ id: string; requestId: string; seed: number | null; localPath: string | null }>;
  /** The parameter file `/file` wrote (a URI). */
  readonly file?: string;
  /** Nothing was sent: refused, declined or failed before fal. */
  readonly notSent?: boolean;
}

const OPEN_COMMAND = 'animateDiff.history.open';
const SAVE_VIDEO_COMMAND = 'animateDiff.history.saveVideo';

/**
 * `@animatediff`: `/generate` and `/variations` make videos (after one question that shows the price), `/file` writes
 * a parameter file from the conversation, `/improve` asks a language model — when there is one — for a better prompt.
 * Everything but `/improve` works without any language model.
 */
export class AnimateDiffParticipant {
  constructor(
    private readonly api: ModernApi,
    private readonly runs: VideoRuns,
    /** Commands VS Code has registered (buttons only offer those that exist, e.g. desktop's "Reveal in OS"). */
    private readonly commandExists: (id: string) => Promise<boolean> = async (id) => (await vscode.commands.getCommands(true)).includes(id),
  ) {}

  readonly handle = async (request: ChatRequestLike, context: ChatContextLike, stream: ChatResponseStreamLike, token: vscode.CancellationToken): Promise<ChatResultLike> => {
    const command = commandOf(request.command);
    if (command === 'help') {
      return this.help(stream, request.command);
    }
    const parsed = parseChatPrompt(request.prompt);
    let text = parsed.prompt;
    let fields: Record<string, unknown> = { ...parsed.fields };
    if (command === 'variations') {
      // `/variations 4 a fox …`
      const leading = /^(\d{1,2})\s+(.*)$/.exec(text);
      if (leading && fields.variations === undefined) {
        fields.variations = Number(leading[1]);
        text = leading[2];
      }
    }
    if (text === '') {
      // A follow-up without a description works on the last one of this conversation.
      const previous = lastRequest(context);
      if (!previous) {
        return this.help(stream, request.command);
      }
      text = previous.prompt;
      fields = { ...previous.fields, ...fields };
    }
    if (command === 'variations') {
      if (fields.variations === undefined && !Array.isArray(fields.seed)) {
        fields.variations = DEFAULT_VARIATIONS;
      }
      if (!Array.isArray(fields.seed)) {
        delete fields.seed;
      }
    }
    switch (command) {
      case 'file':
        return this.writeFile(text, fields, stream);
      case 'improve':
        return this.improve(text, fields, request, stream, token);
      default:
        return this.generate(command, text, fields, stream, token);
    }
  };

  provideFollowups(result: ChatResultLike): ChatFollowupLike[] {
    const metadata = result.metadata as ParticipantMetadata | undefined;
    if (!metadata?.prompt || metadata.command === 'help') {
      return [];
    }
    const { prompt } = metadata;
    const fields = metadata.fields ?? {};
    const { variations: _variations, seed: _seed, ...base } = fields;
    const followups: ChatFollowupLike[] = [];
    if (metadata.command === 'improve') {
      followups.push({ command: 'generate', label: 'Generate this', prompt: formatChatPrompt(prompt, fields) });
    }
    followups.push({ command: 'variations', label: 'Three variations', prompt: formatChatPrompt(prompt, { ...base, variations: 3 }) });
    if (base.video_size !== 'landscape_16_9') {
      followups.push({ command: 'generate', label: 'Landscape', prompt: formatChatPrompt(prompt, { ...base, video_size: 'landscape_16_9' }) });
    }
    if (base.num_frames !== LIMITS.num_frames.max) {
      followups.push({ command: 'generate', label: `${LIMITS.num_frames.max} frames`, prompt: formatChatPrompt(prompt, { ...base, num_frames: LIMITS.num_frames.max }) });
    }
    if (metadata.command !== 'file') {
      followups.push({ command: 'file', label: 'Save as a parameter file', prompt: formatChatPrompt(prompt, fields) });
    }
    if (metadata.command !== 'improve' && typeof this.api.lm?.selectChatModels === 'function') {
      followups.push({ command: 'improve', label: 'Improve the prompt (uses a language model)', prompt: formatChatPrompt(prompt, base) });
    }
    return followups;
  }

  private help(stream: ChatResponseStreamLike, asked: string | undefined): ChatResultLike {
    stream.markdown([
      asked && commandOf(asked) === 'help' && asked !== 'help' ? `I do not know \`/${asked}\`.\n\n` : '',
      'Describe a short video and I make it with fal.ai\'s AnimateDiff Turbo, after asking once with its price:\n\n',
      '- `/generate a red fox running through fresh snow, cinematic` — one video\n',
      '- `/variations 4 a paper boat on a rainy street` — several, each with its own seed\n',
      '- `/file a lighthouse at dusk` — writes a `.animate.json` parameter file (nothing is spent)\n',
      '- `/improve a cat` — asks a language model for a better prompt, when VS Code has one (optional)\n\n',
      `Settings go anywhere in the text: \`frames=32\`, \`fps=12\`, \`steps=8\`, \`guidance=1.5\`, \`seed=7\`, \`size=\` (${SIZE_WORDS.join(', ')}), `,
      '`motions=zoom-in,pan-left`, `negative="blurry"`, `variations=3`.',
    ].join(''));
    return { metadata: { command: 'help' } satisfies ParticipantMetadata };
  }

  private async generate(command: 'generate' | 'variations', prompt: string, fields: Record<string, unknown>, stream: ChatResponseStreamLike, token: vscode.CancellationToken): Promise<ChatResultLike> {
    const remembered = { command, prompt, fields };
    const planned = planVideos({ ...fields, prompt }, 'Chat');
    if (!planned.ok) {
      stream.markdown(`I cannot send that to fal — nothing was sent:\n\n${planned.problems.map((problem) => `- ${problem}`).join('\n')}\n`);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    const { plan } = planned;
    const count = plan.requests.length;
    stream.progress('Asking fal for the price…');
    const charge = await this.runs.quote(plan);
    stream.markdown(`${count === 1 ? '1 video' : `${count} videos`} with \`${plan.endpoint}\` — expected charge **${chargeText(charge)}**${charge.known ? ' at fal\'s listed price' : ` (${charge.reason})`}.\n\n`);
    const outcome = await this.runs.run(plan, { confirm: true, label: 'Chat', onProgress: (text) => stream.progress(text), token });
    if (outcome.kind === 'notStarted') {
      stream.markdown(`Not generated: ${outcome.reason}.`);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    stream.markdown(`${outcome.summary}${outcome.charge ? ` Expected charge: **${chargeText(outcome.charge)}**.` : ''}\n\n`);
    if (outcome.made.length > 0) {
      stream.markdown(outcome.made.map((video, index) => `${count > 1 ? `${index + 1}. ` : '- '}${describeVideo(video)} · request \`${video.requestId}\``).join('\n') + '\n\n');
    }
    const canRevealInOs = await this.commandExists('revealFileInOS');
    outcome.made.forEach((video, index) => {
      const which = count > 1 ? ` ${index + 1}` : '';
      if (video.localPath) {
        stream.reference(vscode.Uri.file(video.localPath));
      }
      stream.button({ command: OPEN_COMMAND, title: `Open Video${which} in the Panel`, arguments: [video.id] });
      stream.button(video.localPath && canRevealInOs
        ? { command: 'revealFileInOS', title: `Reveal Video${which} File`, arguments: [vscode.Uri.file(video.localPath)] }
        : { command: SAVE_VIDEO_COMMAND, title: `Save Video${which}…`, arguments: [video.id] });
    });
    const metadata: ParticipantMetadata = {
      ...remembered,
      videos: outcome.made.map((video) => ({ id: video.id, requestId: video.requestId, seed: video.seed, localPath: video.localPath ?? null })),
    };
    return { metadata };
  }

  private async writeFile(prompt: string, fields: Record<string, unknown>, stream: ChatResponseStreamLike): Promise<ChatResultLike> {
    const remembered = { command: 'file' as const, prompt, fields };
    const checked = checkInput(paramsFileInputSchema, { ...fields, prompt });
    if (!checked.ok) {
      stream.markdown(`I cannot write that parameter file:\n\n${checked.problems.map((problem) => `- ${problem}`).join('\n')}\n`);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    const written = await writeParamsFile(checked.value);
    if (!written.ok) {
      stream.markdown(written.problem);
      return { metadata: { ...remembered, notSent: true } satisfies ParticipantMetadata };
    }
    const relative = vscode.workspace.asRelativePath(written.uri, false);
    stream.markdown(`Wrote \`${relative}\` — nothing was sent to fal. Its ▶ Generate lens makes the video (and says what it costs first).\n\n`);
    stream.anchor(written.uri, relative);
    stream.button({ command: 'vscode.open', title: 'Open the File', arguments: [written.uri] });
    stream.button({ command: 'revealInExplorer', title: 'Reveal in Explorer', arguments: [written.uri] });
    stream.button({ command: PARAMS_COMMANDS.generate, title: '▶ Generate from the File', arguments: [written.uri] });
    return { metadata: { ...remembered, file: written.uri.toString() } satisfies ParticipantMetadata };
  }

  private async improve(prompt: string, fields: Record<string, unknown>, request: ChatRequestLike, stream: ChatResponseStreamLike, token: vscode.CancellationToken): Promise<ChatResultLike> {
    const model = request.model ?? await this.anyModel();
    const makeMessage = this.api.LanguageModelChatMessage;
    if (!model || !makeMessage) {
      stream.markdown('No language model is available in this VS Code, so the prompt stays as it is. `/improve` is optional: `/generate` works without one.');
      return { metadata: { command: 'improve', prompt, fields } satisfies ParticipantMetadata };
    }
    stream.progress(`Asking ${model.name} for a better prompt…`);
    let improved: string;
    try {
      const response = await model.sendRequest([makeMessage.User(improvementInstructions(prompt))], {}, token);
      let text = '';
      for await (const part of response.text) {
        text += part;
      }
      improved = cleanSuggestion(text);
    } catch (error) {
      stream.markdown(`${model.name} could not improve the prompt: ${messageOf(error)}. The prompt stays as it is.`);
      return { metadata: { command: 'improve', prompt, fields } satisfies ParticipantMetadata };
    }
    if (improved === '') {
      stream.markdown(`${model.name} suggested nothing; the prompt stays as it is.`);
      return { metadata: { command: 'improve', prompt, fields } satisfies ParticipantMetadata };
    }
    stream.markdown(`Suggested by ${model.name} (nothing was sent to fal):\n\n> ${improved.replace(/\n/g, '\n> ')}\n`);
    return { metadata: { command: 'improve', prompt: improved, fields } satisfies ParticipantMetadata };
  }

  private async anyModel(): Promise<LanguageModelChatLike | undefined> {
    try {
      return (await this.api.lm?.selectChatModels?.())?.[0];
    } catch {
      return undefined;
    }
  }
}

function commandOf(command: string | undefined): ParticipantCommand {
  if (command === undefined || command === '') {
    return 'generate';
  }
  return (PARTICIPANT_COMMANDS as readonly string[]).includes(command) ? (command as ParticipantCommand) : 'help';
}

/** The last description this conversation asked about, with its fields. */
function lastRequest(context: ChatContextLike): { prompt: string; fields: Record<string, unknown> } | undefined {
  for (let index = context.history.length - 1; index >= 0; index--) {
    const metadata = context.history[index].result?.metadata as ParticipantMetadata | undefined;
    if (typeof metadata?.prompt === 'string' && metadata.prompt !== '') {
      return { prompt: metadata.prompt, fields: { ...(metadata.fields ?? {}) } };
    }
  }
  return undefined;
}

function improvementInstructions(prompt: string): string {
  return [
    'You improve prompts for AnimateDiff Turbo, a text-to-video model that makes clips of about two seconds.',
    'Rewrite the prompt below as one descriptive line: the subject, what it does, the setting, the light, the style and the camera.',
    'Keep what the user asked for. Answer with the prompt only: no quotes, no explanation.',
    '',
    `Prompt: ${prompt}`,
  ].join('\n');
}

/** The model's answer as a prompt: one paragraph, no quotes or fences, within the prompt limit. */
export function cleanSuggestion(text: string): string {
  const withoutFences = text.replace(/```[a-z]*\n?/gi, '').trim();
  const [first = ''] = withoutFences.split(/\n\s*\n/);
  const unquoted = first.trim().replace(/^prompt:\s*/i, '').replace(/^["“'](.*)["”']$/s, '$1').trim();
  return shorten(unquoted, LIMITS.prompt.maxLength);
}
