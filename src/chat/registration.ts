import * as vscode from 'vscode';
import { PARTICIPANT_ID, TOOL_NAMES } from './ids';
import {
  hasChatParticipants, hasLanguageModelTools, modernApi,
  type ChatFollowupLike, type ChatParticipantLike, type ChatRequestHandlerLike, type ChatResultLike, type LanguageModelToolLike, type ModernApi,
} from './modernApi';

/*
 * Registers `@animatediff` and the language-model tools at activation, where the running VS Code has those APIs
 * (chat 1.90+, tools 1.95+); on an older one nothing is registered and nothing fails. What they do lives in the
 * core, loaded on first use: this file must stay light (no zod, no fal client).
 */

/** What the core provides behind the registered participant and tools. */
export interface ChatBackend {
  readonly participant: {
    readonly handle: ChatRequestHandlerLike;
    provideFollowups(result: ChatResultLike): ChatFollowupLike[];
  };
  readonly tools: Readonly<Record<(typeof TOOL_NAMES)[keyof typeof TOOL_NAMES], LanguageModelToolLike<unknown>>>;
}

export interface ChatRegistration {
  /** The registered participant, when this VS Code has chat participants. */
  readonly participant: ChatParticipantLike | undefined;
  /** The tools registered (none when this VS Code has no language-model tools). */
  readonly tools: readonly string[];
}

export function registerChatFeatures(context: vscode.ExtensionContext, backend: () => ChatBackend, api: ModernApi = modernApi(vscode)): ChatRegistration {
  let participant: ChatParticipantLike | undefined;
  const create = api.chat?.createChatParticipant;
  if (hasChatParticipants(api) && create) {
    participant = create.call(api.chat, PARTICIPANT_ID, (request, chatContext, stream, token) => backend().participant.handle(request, chatContext, stream, token));
    participant.iconPath = new vscode.ThemeIcon('device-camera-video');
    participant.followupProvider = { provideFollowups: (result) => backend().participant.provideFollowups(result) };
    context.subscriptions.push(participant);
  }
  const tools: string[] = [];
  const register = api.lm?.registerTool;
  if (hasLanguageModelTools(api) && register) {
    for (const name of Object.values(TOOL_NAMES)) {
      const tool: LanguageModelToolLike<unknown> = {
        prepareInvocation: (options, token) => backend().tools[name].prepareInvocation?.(options, token) ?? Promise.resolve(undefined),
        invoke: (options, token) => backend().tools[name].invoke(options, token),
      };
      context.subscriptions.push(register.call(api.lm, name, tool));
      tools.push(name);
    }
  }
  return { participant, tools };
}
