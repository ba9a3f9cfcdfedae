// Accessibility checks with axe-core (through @axe-core/playwright) on a page
// as it is now, in the colour scheme given: every rule axe runs by default,
// colour contrast included. The violations are returned as short lines
// (rule, impact, the first nodes' selectors) so an assertion shows them.
import { AxeBuilder } from '@axe-core/playwright';

export async function axeViolations(page, scheme) {
  await page.emulateMedia({ colorScheme: scheme });
  // The scheme applies before axe reads computed colours.
  await page.waitForFunction((s) => matchMedia(`(prefers-color-scheme: ${s})`).matches, scheme);
  const res = await new AxeBuilder({ page }).analyze();
  return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/** axe on the page in light and dark; returns {light: [...], dark: [...]}. */
export async function axeBothSchemes(page) {
  return { light: await axeViolations(page, 'light'), dark: await axeViolations(page, 'dark') };
}
