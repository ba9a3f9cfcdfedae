// Worker memory (JS heap through CDP, wasm linear memory) over many start/stop cycles.
import { add, log, raw, round, sleep, KB, N_CYCLES, SAMPLE_AT, settle, cdpConnect, workerTarget } from '../lib.mjs';

export async function workerMemory(ext, sandbox, ref) {
  log(`worker memory over ${N_CYCLES} start/stop cycles`);
  const w = await ext.worker();
  const target = await workerTarget(ext);
  const cdp = await cdpConnect(target.webSocketDebuggerUrl);
  await cdp.send('Runtime.enable');
  const sample = async (cycle) => {
    await settle(ext, sandbox, { quietMs: 300, timeout: 60000 });
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(100);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const ev = await cdp.send('Runtime.evaluate', {
      expression: 'JSON.stringify({ wasm: globalThis.tymeTabBench.wasmMemory ? globalThis.tymeTabBench.wasmMemory.buffer.byteLength : null, origin: performance.timeOrigin })',
      returnByValue: true,
    });
    const { wasm, origin } = JSON.parse(ev.result.value);
    return { cycle, jsHeapUsed: heap.usedSize, jsHeapTotal: heap.totalSize, wasmMemory: wasm, total: heap.usedSize + wasm, origin };
  };
  let done = 0;
  const samples = [];
  const chunk = 25;
  const cycles = async (n) => {
    for (let k = 0; k < n; k += chunk) {
      const m = Math.min(chunk, n - k);
      const res = await w.evaluate(async ([task, count]) => {
        for (let i = 0; i < count; i++) {
          const a = await globalThis.tymeTab.dispatch({ type: 'start', payload: { task, page: { url: `https://example.com/cycle?i=${i}`, title: 'Cycle' } } });
          if (!a.ok) return a;
          const b = await globalThis.tymeTab.dispatch({ type: 'stop', payload: {} });
          if (!b.ok) return b;
        }
        return { ok: true };
      }, [ref, m]);
      if (!res.ok) throw new Error(`cycle failed: ${JSON.stringify(res.error)}`);
      done += m;
      if (done % 250 === 0) log(`  ${done} cycles`);
    }
  };
  // Sampled at SAMPLE_AT and N_CYCLES (the budget), and half-way for the trend.
  const mid = Math.round((SAMPLE_AT + N_CYCLES) / 2);
  await cycles(SAMPLE_AT);
  samples.push(await sample(done));
  await cycles(mid - SAMPLE_AT);
  samples.push(await sample(done));
  await cycles(N_CYCLES - mid);
  samples.push(await sample(done));
  cdp.close();
  raw.memory = samples;
  const [a, h, b] = samples;
  if (a.origin !== b.origin || h.origin !== b.origin) throw new Error('the worker restarted during the memory cycles: the samples are not comparable');
  const growth = (b.total - a.total) / a.total * 100;
  const entries = (await sandbox.state()).time_entries.length;
  const three = (k) => samples.map((x) => round(x[k] / KB, 0)).join(' / ');
  add('memory', `worker JS heap used at cycle ${samples.map((x) => x.cycle).join(' / ')}`, three('jsHeapUsed'), 'KB');
  add('memory', `worker wasm linear memory at cycle ${samples.map((x) => x.cycle).join(' / ')}`, three('wasmMemory'), 'KB');
  add('memory', `worker memory growth, cycle ${a.cycle} → ${b.cycle} (JS heap + wasm)`, round(growth, 1), '%', { op: '<=', limit: 10 }, `${entries} time entries on the server; GC forced before each sample`);
}
