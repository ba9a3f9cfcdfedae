// The floor's popup with one storage read: the same page, its mark set once
// one chrome.storage.local read is answered, as a popup that shows stored
// state (Tyme Tab's) must wait for before its first paint.
chrome.storage.local.get('state').then(() => performance.mark('floor:rendered'));
