import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { around, boxOf, captureReadmeImage } from './screenshots';
import { openWorkbench, waitUntilPlaying, type Workbench } from './workbench';

// A window whose folder VS Code does not trust (code-server with workspace trust on), not an override:
// this also checks the manifest lets the extension run in Restricted Mode at all.
const CLIP = path.resolve(__dirname, '../../../test/fixtures/clip.mp4');
const KEY = 'ui-restricted-key:ui-restricted-secret-7c41a9';
const TIDE_PROMPT = 'the tide rolling over black sand at dusk';
const TIDE = { prompt: TIDE_PROMPT, seed: 31 };
const RESTYLE = {
  endpoint: 'fal-ai/fast-animatediff/turbo/video-to-video',
  video_url: 'waves.mp4',
  prompt: 'waves as an ink wash painting',
  seed: 57,
};

describe('UI: Restricted Mode, in a window whose workspace is not trusted', () => {
  let ui: Workbench;
  before(async () => {
    ui = await openWorkbench({ restricted: true });
    await ui.imitation.reset();
    fs.writeFileSync(path.join(ui.workspaceDir, 'tide.animate.json'), `${JSON.stringify(TIDE, null, 2)}\n`);
    fs.writeFileSync(path.join(ui.workspaceDir, 'restyle.animate.json'), `${JSON.stringify(RESTYLE, null, 2)}\n`);
    fs.copyFileSync(CLIP, path.join(ui.workspaceDir, 'waves.mp4'));
  });
  after(() => ui.close());

  const lens = (title: string) => ui.page.locator('.editor-group-container.active .codelens-decoration a').filter({ hasText: title });
  const question = (text: string) => ui.page.locator('.monaco-dialog-box').filter({ hasText: text });
  const saved = (prefix: string) => fs.readdirSync(ui.workspaceDir).filter((name) => name.startsWith(prefix) && name.endsWith('.mp4'));

  it('"▶ Generate" asks before spending credits; Cancel sends nothing', async () => {
    await ui.page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).waitFor();
    await ui.openFile('tide.animate.json');
    await lens('▶ Generate').click();
    await ui.answerInputBox(KEY);

    const asked = question('This workspace is in Restricted Mode. Generating a video spends fal credits. Continue?');
    await asked.waitFor();
    assert.match(await asked.innerText(), /tide\.animate\.json/, 'the detail names the file');
    await ui.screenshot('restricted-asks');
    // The README's picture of the price asked before paying (the question's detail names the expected charge).
    await captureReadmeImage(ui.page, 'price-question', around(await boxOf(asked), ui.page, 24));
    await asked.getByRole('button', { name: 'Cancel' }).click();
    await asked.waitFor({ state: 'detached' });
    // Only fal's price list was read (for the question's expected charge): nothing submitted, nothing uploaded.
    assert.deepEqual((await ui.imitation.requests()).filter((request) => request.stage !== 'pricing'), [], 'nothing but the price list reached fal');
    assert.deepEqual(saved('tide-'), []);
  });

  it('confirming generates: the panel plays the video, saved beside the file', async () => {
    await lens('▶ Generate').click();
    const asked = question('Generating a video spends fal credits.');
    await asked.waitFor();
    await asked.getByRole('button', { name: 'Generate' }).click();

    const video = ui.webviewFrame().locator('video');
    await video.waitFor({ timeout: 40_000 });
    await waitUntilPlaying(video);
    await ui.notified(/Saved tide-31\.mp4 and its result record/);
    const submits = (await ui.imitation.requests()).filter((request) => request.stage === 'submit');
    assert.equal(submits.length, 1);
    assert.equal((submits[0].body as Record<string, unknown>).prompt, TIDE_PROMPT);
    assert.deepEqual(saved('tide-'), ['tide-31.mp4']);
  });

  it('a local video_url is uploaded only after the question names it', async () => {
    await ui.imitation.reset();
    await ui.runCommand('View: Close All Editors');
    await ui.openFile('restyle.animate.json');
    await lens('▶ Generate').click();
    const asked = question('Generating a video spends fal credits and uploads waves.mp4 to fal storage. Continue?');
    await asked.waitFor();
    await ui.screenshot('restricted-asks-upload');
    await asked.getByRole('button', { name: 'Cancel' }).click();
    await asked.waitFor({ state: 'detached' });
    assert.deepEqual(await ui.imitation.uploads(), [], 'the file was not uploaded');
    // Only fal's price list was read (for the question's expected charge): nothing submitted, nothing uploaded.
    assert.deepEqual((await ui.imitation.requests()).filter((request) => request.stage !== 'pricing'), [], 'nothing but the price list reached fal');

    await lens('▶ Generate').click();
    await asked.waitFor();
    await asked.getByRole('button', { name: 'Generate' }).click();
    await ui.notified(/Saved restyle-57\.mp4 and its result record/, 40_000);
    const [upload] = await ui.imitation.uploads();
    assert.equal(upload?.size, fs.statSync(CLIP).size, 'the local file reached fal storage');
    const [submit] = (await ui.imitation.requests()).filter((request) => request.stage === 'submit');
    assert.equal((submit.body as Record<string, unknown>).video_url, upload.fileUrl);
  });
});
