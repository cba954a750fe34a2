/** Users: admins and shop staff; create, edit (role, shop, password, active), delete. */
import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import type { BodyOf, QueryOf, Role, User } from '../../api/models';
import { $api, keepPrevious, useInvalidate } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, SelectField, TextField } from '../../components/Field';
import { FormActions } from '../../components/FormActions';
import { Modal } from '../../components/Modal';
import { useNotify } from '../../components/Notices';
import { Pager } from '../../components/Pager';
import { ShopSelect, useShopNames } from '../../components/ShopSelect';
import { SortHeader } from '../../components/SortHeader';
import { TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';

function UserForm({ user, onClose, onSaved }: { user?: User; onClose: () => void; onSaved: (u: User) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState(user?.username ?? '');
  const [fullName, setFullName] = useState(user?.full_name ?? '');
  const [role, setRole] = useState<Role>(user?.role ?? 'staff');
  const [shopId, setShopId] = useState<number | null>(user?.shop_id ?? null);
  const [password, setPassword] = useState('');
  const [active, setActive] = useState(user?.is_active ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    const put = (key: string, value: unknown, before: unknown) => {
      if (!user || value !== before) body[key] = value;
    };
    put('username', username.trim(), user?.username);
    put('full_name', fullName.trim() || null, user?.full_name);
    put('role', role, user?.role);
    put('shop_id', role === 'staff' ? shopId : null, user?.shop_id);
    put('is_active', active, user?.is_active);
    if (password) body.password = password;
    if (user && Object.keys(body).length === 0) return onClose();
    setBusy(true);
    setError(null);
    try {
      onSaved(
        user
          ? await data(http.PUT('/users/{id}', { params: { path: { id: user.id } }, body: body as BodyOf<'/users/{id}', 'put'> }))
          : await data(http.POST('/users', { body: body as BodyOf<'/users', 'post'> })),
      );
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={user ? t('users.edit') : t('users.create')} onClose={onClose} testId="user-form">
      <form onSubmit={submit}>
        <div className="form-grid">
          <TextField
            label={t('field.username')}
            required
            autoComplete="off"
            autoCapitalize="none"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="user-username"
          />
          <TextField
            label={t('field.full_name')}
            value={fullName}
            onChange={(e) => setFullName(e.target.value)}
            data-testid="user-full-name"
          />
          <SelectField label={t('field.role')} value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="user-role">
            <option value="staff">{t('role.staff')}</option>
            <option value="admin">{t('role.admin')}</option>
          </SelectField>
          {role === 'staff' && (
            <ShopSelect
              label={t('field.shop')}
              value={shopId}
              onChange={setShopId}
              emptyLabel={t('common.choose')}
              required
              testId="user-shop"
            />
          )}
          <TextField
            label={user ? t('users.new_password') : t('field.password')}
            type="password"
            autoComplete="new-password"
            minLength={8}
            required={!user}
            hint={t('users.password_hint')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="user-password"
          />
          <CheckboxField label={t('field.active')} checked={active} onChange={(e) => setActive(e.target.checked)} />
        </div>
        <ErrorMessage error={error} />
        <FormActions onCancel={onClose} busy={busy} testId="user-save" />
      </form>
    </Modal>
  );
}

export default function UsersPage() {
  const { t, dateTime } = useI18n();
  const notify = useNotify();
  const shopName = useShopNames();
  const [q, setQ] = useState('');
  const [sort, setSort] = useState('username');
  const [page, setPage] = useState({ offset: 0, limit: 50 });
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const invalidate = useInvalidate();
  const users = $api.useQuery(
    'get',
    '/users',
    { params: { query: { q: q.trim() || undefined, sort: sort as QueryOf<'/users'>['sort'], ...page } } },
    keepPrevious,
  );

  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">{t('nav.users')}</h1>
        <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="user-create">
          {t('users.create')}
        </button>
      </div>
      <div className="filters">
        <TextField
          label={t('common.search')}
          type="search"
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setPage((p) => ({ ...p, offset: 0 }));
          }}
        />
      </div>
      <ErrorMessage error={users.error} />
      <TableScroll label={t('nav.users')}>
        <table data-testid="users-table">
          <thead>
            <tr>
              <SortHeader column="username" label={t('field.username')} sort={sort} onSort={setSort} />
              <Th optional>{t('field.full_name')}</Th>
              <SortHeader column="role" label={t('field.role')} sort={sort} onSort={setSort} />
              <th scope="col">{t('field.shop')}</th>
              <Th optional>{t('field.active')}</Th>
              <SortHeader column="last_login_at" label={t('users.last_login')} sort={sort} onSort={setSort} className="opt" />
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.data?.data.map((u) => (
              <tr key={u.id} data-testid="user-row">
                <td>{u.username}</td>
                <td className="opt">{u.full_name ?? '—'}</td>
                <td>{t(u.role === 'admin' ? 'role.admin' : 'role.staff')}</td>
                <td>{u.shop_id === null ? '—' : shopName(u.shop_id)}</td>
                <td className="opt">{u.is_active ? t('common.yes') : t('common.no')}</td>
                <td className="opt">{dateTime(u.last_login_at)}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" onClick={() => setEditing(u)} aria-label={`${t('action.edit')}: ${u.username}`}>
                      {t('action.edit')}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setDeleting(u)}
                      aria-label={`${t('action.delete')}: ${u.username}`}
                    >
                      {t('action.delete')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {users.data && (
        <Pager total={users.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}
      {editing && (
        <UserForm
          user={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(u) => {
            setEditing(null);
            notify(t('common.saved', { name: u.username }), 'success');
            void invalidate(['users']);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('users.delete_title')}
          text={t('users.delete_text', { name: deleting.username })}
          confirmLabel={t('action.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await data(http.DELETE('/users/{id}', { params: { path: { id: deleting.id } } }));
            notify(t('common.deleted'), 'success');
            void invalidate(['users']);
          }}
        />
      )}
    </section>
  );
}
