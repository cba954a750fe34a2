/** The delivery log of sale notifications (the status API sends them; admins read here). */
import { type Db, type DeliveryChannel, type DeliveryRow, type DeliveryStatus, notificationDeliveriesRepository } from '@simcard/db';

export class NotificationsService {
  constructor(private readonly db: Db) {}

  listDeliveries(
    filter: { channel?: DeliveryChannel; status?: DeliveryStatus },
    page: { limit: number; offset: number },
  ): Promise<{ rows: DeliveryRow[]; total: number }> {
    return notificationDeliveriesRepository.list(this.db, filter, page);
  }
}
