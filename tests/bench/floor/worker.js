// The floor's worker: answers every message at once; readyAt on its own clock.
globalThis.floorBench = { readyAt: null };
chrome.runtime.onMessage.addListener((_msg, _sender, reply) => { reply({ ok: true }); });
globalThis.floorBench.readyAt = performance.now();
