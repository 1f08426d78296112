/** Whether `text` holds `word` as a whole word: "4711" is not the 4711 of acc_471124. */
export function mentionsWhole(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'i').test(text);
}
