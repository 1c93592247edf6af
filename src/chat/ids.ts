/** The names package.json contributes (`chatParticipants`, `languageModelTools`); a unit test keeps them equal. */
export const PARTICIPANT_ID = 'animatediff.chat';

export const TOOL_NAMES = {
  generateVideo: 'animatediff_generateVideo',
  writeParameterFile: 'animatediff_writeParameterFile',
} as const;

/** The participant's slash commands, as package.json contributes them. */
export const PARTICIPANT_COMMANDS = ['generate', 'variations', 'file', 'improve'] as const;
