import * as assert from 'node:assert/strict';
import { around, boxOf, captureReadmeImage, union } from './screenshots';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

// Chat as a person uses it, in a window whose workspace turns AI features on. code-server has no Copilot offline: the
// UI tests' scripted model (test/fixtures/chat-model) is the language model chat needs, and its `@assistant` plays an
// agent that calls AnimateDiff's tool, as Copilot's agent mode would.
const KEY = 'ui-chat-key:ui-chat-secret-5be21d';
const FOX = 'a red fox running through snow';
// Unlike the other tests' prompts: the History (kept for the whole run) is filtered by words of theirs.
const BALLOON = 'a hot-air balloon rising over misty hills';
const ENDPOINT = 'fal-ai/fast-animatediff/turbo/text-to-video';
/** The chat's width for the pictures: the secondary side bar's default is too narrow to read a response. */
const CHAT_WIDTH = 560;

describe('UI: chat — @animatediff, and an agent calling the tool', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench({ chat: true });
    await ui.imitation.reset();
    await ui.setApiKey(KEY);
  });
  after(() => ui.close());

  const submitted = async (prompt: string) => (await ui.imitation.requests())
    .filter((request) => request.stage === 'submit' && (request.body as { prompt?: string }).prompt === prompt);
  /** The newest response of the chat. */
  const lastResponse = () => ui.chatView().locator('.interactive-item-container.interactive-response').last();

  it('@animatediff /generate asks with the price, then answers with the video, its steps and its buttons', async () => {
    await ui.openChat(CHAT_WIDTH);
    await ui.sendChatMessage(`@animatediff /generate ${FOX}`);
    // The participant asks before spending, even in a trusted workspace, and names the price.
    const question = ui.page.locator('.monaco-dialog-box').filter({ hasText: 'Generate a video? It is a paid fal job.' });
    await question.waitFor({ timeout: 60_000 });
    assert.match(await question.innerText(), /Expected charge: \$0\.01 \(1 video, \$0\.01 per video at fal's listed price\)/);
    assert.equal((await submitted(FOX)).length, 0, 'nothing is sent before the answer');
    await question.getByRole('button', { name: 'Generate', exact: true }).click();

    const response = lastResponse();
    await response.getByRole('button', { name: 'Save Video…' }).waitFor({ timeout: 120_000 });
    await response.getByText('1 video generated. Expected charge: $0.01.').waitFor();
    const sent = await submitted(FOX);
    assert.equal(sent.length, 1, 'one video was asked of fal');
    assert.equal(sent[0].keyId, KEY.split(':')[0]);
    // The steps the response went through (the price it announced first among them) fold away once it is done;
    // opened, as a person opens them for the picture.
    await response.locator('.monaco-button').filter({ hasText: /^Completed \d+ steps?/ }).click();
    await response.getByText(`1 video with ${ENDPOINT} — expected charge $0.01 at fal's listed price.`).waitFor();
    const open = response.getByRole('button', { name: 'Open Video in the Panel' });
    await open.waitFor();
    const request = ui.chatView().locator('.interactive-item-container.interactive-request').last();
    const followups = ui.chatView().locator('.interactive-session-followups').last();
    await followups.getByText('Three variations').waitFor();
    // From the request's bubble (not the conversation's header above it) down to the follow-ups.
    const asked = await boxOf(request.locator('.rendered-markdown').first());
    const shown = union(await boxOf(response), await boxOf(followups));
    const top = asked.y - 12;
    await captureReadmeImage(ui.page, 'chat', around({ x: shown.x, y: top, width: shown.width, height: shown.y + shown.height - top }, ui.page, 4));

    await ui.runCommand('View: Close All Editors');
    await open.click();
    const panel = ui.webviewFrame();
    await panel.getByText(FOX).first().waitFor();
    await waitUntilPlaying(panel.locator('video'));
  });

  it('an agent\'s call to the tool is confirmed in chat with the count, endpoint and price; Allow makes the video', async () => {
    await ui.runCommand('View: Close All Editors');
    await ui.page.locator('.part.auxiliarybar .action-label[aria-label^="New Chat"]').first().click();
    await ui.chatView().locator('.interactive-item-container').first().waitFor({ state: 'detached' });
    await ui.focusChatInput();
    await ui.sendChatMessage(`@assistant make a video: ${BALLOON}`);
    const confirmation = ui.page.locator('.part.auxiliarybar .chat-tool-confirmation-carousel');
    await confirmation.locator('.chat-tool-carousel-collapsed-title').filter({ hasText: 'Generate with fal.ai?' }).waitFor({ timeout: 60_000 });
    const question = confirmation.locator('.chat-confirmation-widget-message');
    await question.getByText(`Generate 1 video with ${ENDPOINT} on fal.ai — $0.01.`).waitFor();
    const text = await question.innerText();
    // (VS Code's markdown keeps the spaces of the tool's plain text as no-break spaces: \s matches both.)
    assert.match(text, /Expected\scharge:\s\$0\.01\s\(1\svideo,\s\$0\.01\sper\svideo\sat\sfal's\slisted\sprice\)\./);
    assert.ok(text.replace(/\s/g, ' ').includes(`Prompt: “${BALLOON}”`), text);
    assert.equal((await submitted(BALLOON)).length, 0, 'nothing is sent before the user allows it');
    await captureReadmeImage(ui.page, 'tool-confirmation', around(await boxOf(confirmation), ui.page, 4));

    await confirmation.getByRole('button', { name: /^Allow/ }).first().click();
    await lastResponse().getByText('Done. 1 video generated.').waitFor({ timeout: 120_000 });
    const sent = await submitted(BALLOON);
    assert.equal(sent.length, 1, 'the tool sent one video to fal');
    const job = await ui.imitation.job(sent[0].requestId ?? '');
    assert.equal(job?.status, 'COMPLETED');
    // The tool shows its video in the panel, as every generation does.
    const panel = ui.webviewFrame();
    await panel.getByText(BALLOON).first().waitFor({ timeout: 60_000 });
    await waitUntilPlaying(panel.locator('video'));
    await ui.screenshot('chat-tool-done');
  });
});
