// The picker by keyboard: in a search box, ArrowDown goes to the first row
// and Enter picks it; in a list, ArrowUp/ArrowDown move between rows (up
// from the first row back to the search), Enter picks (the rows are buttons)
// and Escape goes back to the search; Escape in a search clears it, or, when
// it is empty, backs out one level (onBack; at the top the browser closes
// the popup as usual).
const rows = (list) => [...list.querySelectorAll('button')];

export function wirePickerKeys(search, list, { onBack = () => false } = {}) {
  search.addEventListener('keydown', (e) => {
    const first = rows(list)[0];
    if (e.key === 'ArrowDown' && first) {
      e.preventDefault();
      first.focus();
    } else if (e.key === 'Enter' && first) {
      e.preventDefault();
      first.click();
    } else if (e.key === 'Escape') {
      if (search.value) {
        e.preventDefault();
        search.value = '';
        search.dispatchEvent(new Event('input', { bubbles: true }));
      } else if (onBack()) e.preventDefault();
    }
  });
  list.addEventListener('keydown', (e) => {
    const all = rows(list);
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      (all[i + 1] || all[i]).focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      (i > 0 ? all[i - 1] : search).focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      search.focus();
    }
  });
}
