import * as assert from 'node:assert/strict';
import { buildContentSecurityPolicy, createNonce } from '../../../src/panel/csp';
import { buildPanelHtml, escapeHtml, type PanelHtmlInput } from '../../../src/panel/html';
import { PANEL_DATA_ATTRIBUTE, PANEL_DATA_ELEMENT_ID, panelInitialDataSchema, type PanelInitialData } from '../../../src/shared/protocol';
import { panelStringsFixture } from '../shared/fixtures';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>' &amp; </meta>`;

function input(overrides: Partial<PanelHtmlInput> = {}): PanelHtmlInput {
  const initialData: PanelInitialData = {
    locale: 'en',
    strings: panelStringsFixture(),
    content: {
      type: 'showGeneration',
      generation: {
        id: 'gen-1',
        prompt: HOSTILE,
        negativePrompt: HOSTILE,
        seed: 42,
        endpoint: 'fal-ai/fast-animatediff/turbo/text-to-video',
        size: { label: 'square', width: 512, height: 512 },
        frames: 16,
        fps: 8,
        steps: 4,
        guidance: 1,
        totalMs: 12_300,
        inferenceSeconds: 1.9,
        videoSrc: `https://v3.fal.media/files/a.mp4?q="><script>`,
        sandboxNote: null,
      },
    },
  };
  return {
    cspSource: 'https://*.vscode-cdn.net',
    nonce: createNonce(),
    mediaOrigins: ['https://v3.fal.media'],
    localMedia: false,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/panel.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
    language: 'en',
    title: HOSTILE,
    initialData,
    ...overrides,
  };
}

function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_entity, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '');
}

/** The markup with every double-quoted attribute value emptied, so only real tags and attribute names remain. */
function withoutAttributeValues(html: string): string {
  return html.replace(/"[^"]*"/g, '""');
}

function attribute(html: string, elementPattern: RegExp, name: string): string {
  const element = elementPattern.exec(html)?.[0];
  assert.ok(element, `element ${elementPattern} exists`);
  const value = new RegExp(`\\s${name}="([^"]*)"`).exec(element)?.[1];
  assert.ok(value !== undefined, `attribute ${name} exists`);
  return decodeEntities(value);
}

describe('panel HTML', () => {
  it('carries the initial data in the meta element, intact, however hostile the prompt', () => {
    const built = input();
    const html = buildPanelHtml(built);
    const json = attribute(html, new RegExp(`<meta id="${PANEL_DATA_ELEMENT_ID}"[^>]*>`), PANEL_DATA_ATTRIBUTE);
    const parsed = panelInitialDataSchema.parse(JSON.parse(json));
    assert.deepEqual(parsed, built.initialData);
  });

  it('lets no markup out of attributes or the title', () => {
    const html = buildPanelHtml(input());
    assert.equal(html.match(/<script/g)?.length, 1, 'only the panel script');
    assert.equal(html.match(/<img/g), null);
    assert.equal(html.match(/<\/meta>/g), null);
    assert.match(html, /<title>&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('has no inline script, inline handler or inline style', () => {
    const html = buildPanelHtml(input());
    const markup = withoutAttributeValues(html);
    assert.match(html, /<script nonce="[^"]+" src="[^"]+"><\/script>/);
    assert.doesNotMatch(markup, /<[^>]+\son[a-z]+=/i);
    assert.doesNotMatch(markup, /<[^>]+\sstyle=/i);
    assert.doesNotMatch(markup, /<style/i);
  });

  it('puts the CSP first in the head and the same nonce on the script', () => {
    const built = input();
    const html = buildPanelHtml(built);
    const head = html.slice(html.indexOf('<head>'), html.indexOf('</head>'));
    assert.ok(head.indexOf('Content-Security-Policy') < head.indexOf('<link'), 'the CSP precedes every resource');
    assert.equal(attribute(html, /<meta http-equiv="Content-Security-Policy"[^>]*>/, 'content'), buildContentSecurityPolicy(built));
    assert.equal(attribute(html, /<script[^>]*>/, 'nonce'), built.nonce);
  });

  it('loads the script and stylesheet from the given webview URIs', () => {
    const built = input();
    const html = buildPanelHtml(built);
    assert.equal(attribute(html, /<script[^>]*>/, 'src'), built.scriptUri);
    assert.equal(attribute(html, /<link rel="stylesheet"[^>]*>/, 'href'), built.styleUri);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in attributes and text', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('round-trips any text through decoding', () => {
    for (const text of [HOSTILE, '', 'plain', '&amp;&lt;', '"\'<>&'.repeat(3), 'ünïcødé — 🎬']) {
      assert.equal(decodeEntities(escapeHtml(text)), text);
    }
  });
});
