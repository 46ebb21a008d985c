/**
 * What a requester has heard from each responder, so an overdue acknowledgement leads to a re-send
 * only when the request is likely lost, not merely queued (docs/protocol.md, "Acknowledgements
 * under load"). Under load the responder answers requests in the order they arrived, long after a
 * fixed ack timeout: re-sending then only doubles its queue.
 */
export class AckWatch {
  /** Each send of a request takes the next ticket; order of tickets = order on the wire. */
  private tickets = 0;
  private readonly peers = new Map<string, { heardAt: number; latestTicket: number }>();

  /**
   * A request is going out now: its ticket. A re-send passes the ticket of its first send and keeps it: the
   * responder answers a duplicate at once from its dedupe cache, and a fresh (latest) ticket answered that early
   * would tell every request still queued behind it that it was skipped, so each would re-send in turn (a cascade
   * seen once with 10 000 requests open).
   */
  sent(firstTicket = 0): number {
    return firstTicket > 0 ? firstTicket : ++this.tickets;
  }

  /** The responder answered (ack, progress, reply or error) the request sent with `ticket`. */
  answered(peer: string, ticket: number): void {
    const known = this.peers.get(peer);
    if (known) {
      known.heardAt = Date.now();
      if (ticket > known.latestTicket) known.latestTicket = ticket;
    } else {
      this.peers.set(peer, { heardAt: Date.now(), latestTicket: ticket });
    }
  }

  /**
   * The acknowledgement of request `ticket` to `peer` is overdue: true to wait another period, false to re-send.
   * Waits while the responder keeps answering and has answered nothing sent after this request (it is still
   * working through earlier ones), or when the timer fired so late that this process had not read its input.
   */
  stillQueued(peer: string, ticket: number, overdue: { dueAt: number; periodMs: number }): boolean {
    const now = Date.now();
    if (now - overdue.dueAt > overdue.periodMs / 2) return true;
    const known = this.peers.get(peer);
    if (!known || known.latestTicket > ticket) return false;
    return now - known.heardAt < overdue.periodMs;
  }
}
