/** API keys for integrations: create (the key is shown once), list, revoke. */
import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import type { ApiKey, BodyOf } from '../../api/models';
import { $api, useInvalidate } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SelectField, TextField } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { useNotify } from '../../components/Notices';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';

function CreateKey({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [role, setRole] = useState('read');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await data(
        http.POST('/api-keys', { body: { name: name.trim(), role: role as BodyOf<'/api-keys', 'post'>['role'] } }),
      );
      setSecret(created.key);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={t('keys.create')} onClose={onClose} testId="api-key-form">
      {secret !== null ? (
        <div>
          <p className="warning-box" role="status">
            {t('keys.shown_once')}
          </p>
          <code className="secret" data-testid="api-key-secret">
            {secret}
          </code>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard?.writeText(secret).then(
                  () => setCopied(true),
                  () => {},
                );
              }}
            >
              {copied ? t('keys.copied') : t('keys.copy')}
            </button>
            <button type="button" className="primary" onClick={onClose}>
              {t('action.close')}
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit}>
          <TextField
            label={t('field.name')}
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="api-key-name"
          />
          <SelectField label={t('field.role')} value={role} onChange={(e) => setRole(e.target.value)} data-testid="api-key-role">
            <option value="read">{t('keys.role_read')}</option>
            <option value="admin">{t('keys.role_admin')}</option>
          </SelectField>
          <ErrorMessage error={error} />
          <div className="actions">
            <button type="button" onClick={onClose}>
              {t('action.cancel')}
            </button>
            <button type="submit" className="primary" disabled={busy} data-testid="api-key-save">
              {t('action.create')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

export default function ApiKeysPage() {
  const { t, dateTime } = useI18n();
  const notify = useNotify();
  const invalidate = useInvalidate();
  const keys = $api.useQuery('get', '/api-keys', { params: { query: { limit: 200 } } });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const list = keys.data?.data ?? [];

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">{t('nav.api_keys')}</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)} data-testid="api-key-create">
          {t('keys.create')}
        </button>
      </div>
      <p className="muted">{t('keys.explain')}</p>
      <ErrorMessage error={keys.error} />
      <TableScroll label={t('nav.api_keys')}>
        <table data-testid="api-keys-table">
          <thead>
            <tr>
              <th scope="col">{t('field.name')}</th>
              <th scope="col">{t('field.role')}</th>
              <Th optional>{t('keys.prefix')}</Th>
              <Th optional>{t('field.created_at')}</Th>
              <Th optional>{t('keys.last_used')}</Th>
              <th scope="col">{t('field.status')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <tr key={k.id} data-testid="api-key-row">
                <td>{k.name}</td>
                <td>{k.role === 'admin' ? t('keys.role_admin') : t('keys.role_read')}</td>
                <td className="opt mono">{k.prefix}…</td>
                <td className="opt">{dateTime(k.created_at)}</td>
                <td className="opt">{dateTime(k.last_used_at)}</td>
                <td>{k.revoked_at ? t('keys.revoked') : t('keys.active')}</td>
                <td>
                  <div className="row-actions">
                    {!k.revoked_at && (
                      <button type="button" className="danger" onClick={() => setRevoking(k)} aria-label={`${t('keys.revoke')}: ${k.name}`}>
                        {t('keys.revoke')}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
            <EmptyRow show={keys.data && list.length === 0} columns={7} />
          </tbody>
        </table>
      </TableScroll>
      {creating && <CreateKey onClose={() => setCreating(false)} onCreated={() => void invalidate(['api-keys'])} />}
      {revoking && (
        <ConfirmDialog
          title={t('keys.revoke')}
          text={t('keys.revoke_text', { name: revoking.name })}
          confirmLabel={t('keys.revoke')}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await data(http.DELETE('/api-keys/{id}', { params: { path: { id: revoking.id } } }));
            notify(t('keys.revoked'), 'success');
            void invalidate(['api-keys']);
          }}
        />
      )}
    </section>
  );
}
