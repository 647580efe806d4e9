/** What an imported result's tool did not record (`result.limitations`), info. */
import type { Result, ValidityNote } from '../../result/types.js';

export function importLimitations(result: Result): ValidityNote[] {
  return (result.limitations ?? []).map((m) => ({ id: 'import-limitation', severity: 'info' as const, message: m }));
}
