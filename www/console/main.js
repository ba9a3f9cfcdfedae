// The console once the wasm core is loaded (app.js loads it first).
import { setText } from '../lib/dom.js';
import { app, $, errText, signedIn } from './state.js';
import { renderAuth, makeClient, beginSignIn, signOut, completeSignIn, loadSettings, wireSettings } from './auth.js';
import { wireEntities, loadAllLists, renderTarget } from './entities.js';
import { flush, renderOutbox, resumeOutbox } from './outbox.js';
import { wireTime, renderEntries, renderRunning } from './time.js';
import { wireReport } from './report.js';
import { wireHooks } from './hooks.js';

export async function start(config) {
  app.config = config;
  loadSettings();
  makeClient();
  wireSettings();
  $('#sign-in').addEventListener('click', beginSignIn);
  $('#sign-out').addEventListener('click', signOut);
  await completeSignIn();
  renderAuth();
  wireEntities();
  wireTime();
  wireReport();
  wireHooks();
  renderEntries();
  renderRunning();
  renderOutbox();
  renderTarget();
  if (signedIn()) await resumeOutbox();
  try { renderOutbox(); } catch (e) { setText($('#outbox-error'), `; ${errText(e)}`); }
  if (signedIn()) {
    await loadAllLists();
    flush();
  }
  document.body.dataset.ready = 'true';
}
