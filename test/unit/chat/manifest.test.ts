import * as assert from 'node:assert/strict';
import { PARTICIPANT_COMMANDS, PARTICIPANT_ID, TOOL_NAMES } from '../../../src/chat/ids';
import { generateToolInputJsonSchema, paramsFileToolInputJsonSchema } from '../../../src/chat/videoInput';
import { localizedManifest } from '../../localizedManifest';

interface ManifestTool {
  name: string;
  modelDescription?: string;
  inputSchema?: unknown;
}

const manifest = localizedManifest<{
  contributes: {
    chatParticipants?: Array<{ id: string; name: string; commands?: Array<{ name: string }> }>;
    languageModelTools?: ManifestTool[];
  };
}>();

describe('the manifest\'s chat participant and language-model tools', () => {
  it('contributes @animatediff with exactly the commands the participant handles', () => {
    const participants = manifest.contributes.chatParticipants ?? [];
    assert.equal(participants.length, 1);
    assert.equal(participants[0].id, PARTICIPANT_ID);
    assert.equal(participants[0].name, 'animatediff');
    assert.deepEqual((participants[0].commands ?? []).map((command) => command.name), [...PARTICIPANT_COMMANDS]);
  });

  it('declares each tool\'s input schema exactly as the parameter-file model generates it', () => {
    const tools = manifest.contributes.languageModelTools ?? [];
    assert.deepEqual(tools.map((tool) => tool.name), Object.values(TOOL_NAMES));
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    // A drifted schema would let an agent send fields the product refuses (or miss ones it takes).
    assert.deepEqual(byName.get(TOOL_NAMES.generateVideo)?.inputSchema, generateToolInputJsonSchema());
    assert.deepEqual(byName.get(TOOL_NAMES.writeParameterFile)?.inputSchema, paramsFileToolInputJsonSchema());
    for (const tool of tools) {
      assert.ok((tool.modelDescription ?? '').length > 40, `${tool.name} tells the model what it does`);
    }
  });
});
