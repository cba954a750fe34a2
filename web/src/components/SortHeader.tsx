/** A sortable column header: a button that toggles `sort=col` / `sort=-col`, with aria-sort. */
export function SortHeader({
  column,
  label,
  sort,
  onSort,
  className,
}: {
  column: string;
  label: string;
  sort: string;
  onSort: (sort: string) => void;
  className?: string;
}) {
  const active = sort.replace(/^-/, '') === column;
  const desc = sort.startsWith('-');
  return (
    <th scope="col" className={className} aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(active && !desc ? `-${column}` : column)}>
        {label}
        <span aria-hidden="true">{active ? (desc ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}
