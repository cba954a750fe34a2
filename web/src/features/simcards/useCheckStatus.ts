import { useState } from 'react';
import { api } from '../../api/client';
import type { CheckResult, Simcard } from '../../api/types';
import { useErrorText } from '../../components/ErrorMessage';
import { useNotify } from '../../components/Notices';
import { useI18n } from '../../i18n/i18n';

/** "Check status" on a SIM: asks the operator now, reports the answer, hands back the updated SIM. */
export function useCheckStatus(onUpdated: (sim: Simcard) => void) {
  const { t } = useI18n();
  const notify = useNotify();
  const errorText = useErrorText();
  const [checking, setChecking] = useState<number | null>(null);

  const check = async (sim: Simcard) => {
    setChecking(sim.id);
    try {
      const { simcard, check: result } = await api<{ simcard: Simcard; check: CheckResult }>(`/simcards/${sim.id}/check-status`);
      onUpdated(simcard);
      if (!result.ok) notify(t('check.failed', { iccid: simcard.iccid }), 'error');
      else if (result.newly_sold) notify(t('live.sold', { iccid: simcard.iccid }), 'success');
      else notify(t('check.result', { iccid: simcard.iccid, status: t(`status.${simcard.status}`) }), 'info');
    } catch (err) {
      notify(errorText(err), 'error');
    } finally {
      setChecking(null);
    }
  };
  return { check, checking };
}
