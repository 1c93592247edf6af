import type * as vscode from 'vscode';

/*
 * The chat and language-model APIs this extension uses, declared here by their shape. They are stable since VS Code
 * 1.90 (chat participants, language models) and 1.95 (tools, `ChatRequest.model`), but the extension keeps
 * `engines.vscode` at ^1.82 and so must compile against @types/vscode 1.82 (vsce refuses types newer than the
 * engine). Each is used only where the running VS Code has it ({@link modernApi}); on an older one the features are
 * simply not registered. Only the members used are declared. No zod here: activation imports this file.
 */

/** `vscode.ChatResponseStream` (1.90). */
export interface ChatResponseStreamLike {
  markdown(value: string | vscode.MarkdownString): void;
  progress(value: string): void;
  button(command: vscode.Command): void;
  reference(value: vscode.Uri | vscode.Location): void;
  anchor(value: vscode.Uri | vscode.Location, title?: string): void;
}

/** `vscode.LanguageModelChatMessage` instances are made by the running VS Code; this side only passes them on. */
export type LanguageModelChatMessageLike = object;

/** `vscode.LanguageModelChat` (1.90). */
export interface LanguageModelChatLike {
  readonly name: string;
  readonly id: string;
  readonly vendor?: string;
  sendRequest(messages: LanguageModelChatMessageLike[], options?: object, token?: vscode.CancellationToken): Thenable<{ text: AsyncIterable<string> }>;
}

/** `vscode.ChatRequest` (1.90; `model` and `toolInvocationToken` since 1.95). */
export interface ChatRequestLike {
  readonly prompt: string;
  readonly command: string | undefined;
  readonly model?: LanguageModelChatLike;
  readonly toolInvocationToken?: unknown;
}

/** `vscode.ChatResult`. */
export interface ChatResultLike {
  errorDetails?: { message: string };
  readonly metadata?: object;
}

/** `vscode.ChatRequestTurn` / `vscode.ChatResponseTurn`, told apart by their members. */
export interface ChatTurnLike {
  readonly participant?: string;
  readonly prompt?: string;
  readonly command?: string;
  readonly result?: ChatResultLike;
}

export interface ChatContextLike {
  readonly history: readonly ChatTurnLike[];
}

/** `vscode.ChatFollowup`. */
export interface ChatFollowupLike {
  prompt: string;
  label?: string;
  command?: string;
}

export type ChatRequestHandlerLike = (
  request: ChatRequestLike,
  context: ChatContextLike,
  stream: ChatResponseStreamLike,
  token: vscode.CancellationToken,
) => Promise<ChatResultLike>;

/** `vscode.ChatParticipant`. */
export interface ChatParticipantLike extends vscode.Disposable {
  iconPath?: vscode.Uri | vscode.ThemeIcon;
  followupProvider?: {
    provideFollowups(result: ChatResultLike, context: ChatContextLike, token: vscode.CancellationToken): ChatFollowupLike[] | Thenable<ChatFollowupLike[]>;
  };
}

/** `vscode.PreparedToolInvocation` (1.95). */
export interface PreparedToolInvocationLike {
  invocationMessage?: string;
  confirmationMessages?: { title: string; message: string | vscode.MarkdownString };
}

/** What a tool's invoke returns: the running VS Code's `LanguageModelToolResult` of `LanguageModelTextPart`s. */
export type ToolResultLike = object;

/** `vscode.LanguageModelTool<T>` (1.95). */
export interface LanguageModelToolLike<T> {
  prepareInvocation?(options: { input: T }, token: vscode.CancellationToken): Promise<PreparedToolInvocationLike | undefined>;
  invoke(options: { input: T; toolInvocationToken?: unknown }, token: vscode.CancellationToken): Promise<ToolResultLike>;
}

/** `vscode.LanguageModelToolInformation` (1.95). */
export interface ToolInformationLike {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: object | undefined;
  readonly tags: readonly string[];
}

/** The members of the `vscode` module that newer versions add, each possibly missing. */
export interface ModernApi {
  readonly chat?: {
    createChatParticipant?(id: string, handler: ChatRequestHandlerLike): ChatParticipantLike;
  };
  readonly lm?: {
    registerTool?<T>(name: string, tool: LanguageModelToolLike<T>): vscode.Disposable;
    invokeTool?(name: string, options: { input: object; toolInvocationToken: unknown }, token?: vscode.CancellationToken): Thenable<{ content: unknown[] }>;
    readonly tools?: readonly ToolInformationLike[];
    selectChatModels?(selector?: object): Thenable<LanguageModelChatLike[]>;
  };
  readonly LanguageModelToolResult?: new (content: unknown[]) => ToolResultLike;
  readonly LanguageModelTextPart?: new (value: string) => { value: string };
  readonly LanguageModelChatMessage?: { User(content: string): LanguageModelChatMessageLike };
}

/** The running VS Code's API, with the newer members typed as possibly missing. */
export function modernApi(vscodeModule: object): ModernApi {
  return vscodeModule as ModernApi;
}

/** Whether this VS Code can host a chat participant (1.90+). */
export function hasChatParticipants(api: ModernApi): boolean {
  return typeof api.chat?.createChatParticipant === 'function';
}

/** Whether this VS Code can host language-model tools (1.95+). */
export function hasLanguageModelTools(api: ModernApi): boolean {
  return typeof api.lm?.registerTool === 'function' && typeof api.LanguageModelToolResult === 'function' && typeof api.LanguageModelTextPart === 'function';
}

/** A tool result of text parts, made with the running VS Code's own classes (they are not in @types/vscode 1.82). */
export function toolResult(api: ModernApi, texts: readonly string[]): ToolResultLike {
  const Result = api.LanguageModelToolResult;
  const Text = api.LanguageModelTextPart;
  if (!Result || !Text) {
    throw new Error('This VS Code has no language-model tools.');
  }
  return new Result(texts.map((text) => new Text(text)));
}
