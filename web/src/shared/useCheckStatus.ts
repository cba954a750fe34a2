import { useState } from 'react';
import { data, http } from '../api/client';
import type { Simcard } from '../api/models';
import { useInvalidate } from '../api/queries';
import { useErrorText } from '../components/ErrorMessage';
import { useNotify, useSaleNotice } from '../components/Notices';
import { useI18n } from '../i18n/i18n';

/**
 * "Check status" on a SIM: asks the operator now, reports the answer, re-reads what a check
 * changes (the SIM everywhere it shows, its history, the figures) and hands back the updated SIM.
 */
export function useCheckStatus(onUpdated?: (sim: Simcard) => void) {
  const invalidate = useInvalidate();
  const { t } = useI18n();
  const notify = useNotify();
  const announceSale = useSaleNotice();
  const errorText = useErrorText();
  const [checking, setChecking] = useState<number | null>(null);

  const check = async (sim: Simcard) => {
    setChecking(sim.id);
    try {
      const { simcard, check: result } = await data(http.GET('/simcards/{id}/check-status', { params: { path: { id: sim.id } } }));
      void invalidate(['simcards']);
      onUpdated?.(simcard);
      if (!result.ok) notify(t('check.failed', { iccid: simcard.iccid }), 'error');
      else if (result.newly_sold) announceSale(simcard);
      else notify(t('check.result', { iccid: simcard.iccid, status: t(`status.${simcard.status}`) }), 'info');
    } catch (err) {
      notify(errorText(err), 'error');
    } finally {
      setChecking(null);
    }
  };
  return { check, checking };
}
