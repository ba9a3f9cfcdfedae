// The floor's popup: its one button is in the page from the start; the mark
// is the moment a module script of the popup can first run.
performance.mark('floor:rendered');
