/** The status check log as staff and admins may see it: staff only their shop's SIMs. */
import { NotFoundError, type Principal, shopScope } from '@simcard/common';
import { type Db, type Page, type PageRequest, statusChangeLogsRepository } from '@simcard/db';

export class StatusChangeLogsService {
  constructor(private readonly db: Db) {}

  search(
    principal: Principal,
    filter: statusChangeLogsRepository.StatusChangeLogFilter,
    page: PageRequest,
  ): Promise<Page<statusChangeLogsRepository.StatusChangeLogEntry>> {
    const scope = shopScope(principal);
    // Asking for another shop is asking for something that, to staff, does not exist.
    if (scope !== null && filter.shopId !== undefined && filter.shopId !== scope) throw new NotFoundError('Shop');
    return statusChangeLogsRepository.search(this.db, { ...filter, shopId: scope ?? filter.shopId }, page);
  }
}
