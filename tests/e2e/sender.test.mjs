// The worker's message sender check: only this extension's own pages are
// served. Checked from the worker side with forged sender objects and the
// sender Chromium really delivers, and end to end from a web page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXTENSION_ID, launchExtension, servePages } from './support.mjs';

test('senderAllowed: only a page of this extension is accepted', async () => {
  const ext = await launchExtension();
  try {
    const w = await ext.worker();
    // The sender Chromium delivers for a message from an extension page, recorded in the worker.
    await w.evaluate(() => {
      globalThis.__senders = [];
      chrome.runtime.onMessage.addListener((msg, sender) => { if (msg && msg.type === 'probe') globalThis.__senders.push(sender); });
    });
    await ext.send('probe');
    const popup = await ext.openPopup();
    await popup.evaluate(() => chrome.runtime.sendMessage({ type: 'probe' }));
    const real = await w.evaluate(() => globalThis.__senders);
    assert.equal(real.length, 2, 'both probes reached the worker');
    for (const s of real) {
      assert.equal(s.id, EXTENSION_ID);
      assert.ok(s.url.startsWith(`chrome-extension://${EXTENSION_ID}/`), s.url);
    }

    const other = 'abcdefghijklmnopabcdefghijklmnop';
    const base = `chrome-extension://${EXTENSION_ID}`;
    const cases = {
      realOptionsPage: real[0],
      realPopupTab: real[1],
      webPageTab: { url: 'https://evil.example/page', origin: 'https://evil.example', tab: { id: 7, url: 'https://evil.example/page' }, frameId: 0 },
      webPageTabClaimingOurId: { id: EXTENSION_ID, url: 'https://evil.example/page', origin: 'https://evil.example', tab: { id: 7 }, frameId: 0 },
      otherExtension: { id: other, url: `chrome-extension://${other}/popup.html`, origin: `chrome-extension://${other}` },
      otherExtensionOurUrl: { id: other, url: `${base}/popup/popup.html`, origin: base },
      contentScriptLike: { id: EXTENSION_ID, url: 'https://example.com/article', origin: 'https://example.com', tab: { id: 3, url: 'https://example.com/article' }, frameId: 0, documentId: 'x' },
      lookalikeHost: { id: EXTENSION_ID, url: `chrome-extension://${EXTENSION_ID}.evil.example/popup.html`, origin: `chrome-extension://${EXTENSION_ID}.evil.example` },
      ourUrlForeignOrigin: { id: EXTENSION_ID, url: `${base}/popup/popup.html`, origin: 'https://evil.example' },
      noUrl: { id: EXTENSION_ID },
      nothing: null,
    };
    const verdicts = await w.evaluate((cs) => Object.fromEntries(Object.entries(cs).map(([k, s]) => [k, globalThis.tymeTab.senderAllowed(s)])), cases);
    assert.deepEqual(verdicts, {
      realOptionsPage: true,
      realPopupTab: true,
      webPageTab: false,
      webPageTabClaimingOurId: false,
      otherExtension: false,
      otherExtensionOurUrl: false,
      contentScriptLike: false,
      lookalikeHost: false,
      ourUrlForeignOrigin: false,
      noUrl: false,
      nothing: false,
    });

  } finally { await ext.close(); }
});

test('a web page cannot message the worker', async (t) => {
  const ext = await launchExtension();
  const site = await servePages({ '/': { title: 'Some site' } });
  try {
    const w = await ext.worker();
    await w.evaluate(() => {
      globalThis.__received = 0;
      const count = (msg) => { if (msg && msg.type === 'from-web') globalThis.__received += 1; };
      chrome.runtime.onMessage.addListener(count);
      chrome.runtime.onMessageExternal.addListener(count);
      chrome.runtime.onConnectExternal.addListener(count);
    });
    const page = await ext.context.newPage();
    await page.goto(`${site.url}/`);
    const result = await page.evaluate(async (id) => {
      const rt = globalThis.chrome && globalThis.chrome.runtime;
      if (!rt) return { runtime: 'undefined' };
      if (typeof rt.sendMessage !== 'function') return { runtime: 'defined', sendMessage: 'absent' };
      try {
        await rt.sendMessage(id, { type: 'from-web' });
        return { runtime: 'defined', sendMessage: 'answered' };
      } catch (e) {
        return { runtime: 'defined', sendMessage: `threw: ${e.message}` };
      }
    }, EXTENSION_ID);
    t.diagnostic(`web page: ${JSON.stringify(result)}`);
    assert.ok(result.runtime === 'undefined' || /^(absent|threw)/.test(result.sendMessage), JSON.stringify(result));
    // The worker heard nothing (the counter works: an extension page's message is counted).
    assert.equal(await w.evaluate(() => globalThis.__received), 0);
    await ext.send('from-web');
    assert.equal(await w.evaluate(() => globalThis.__received), 1, 'the counter sees a message from an extension page');
  } finally { await site.stop(); await ext.close(); }
});
