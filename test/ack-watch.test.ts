import { expect } from 'chai';
import { AckWatch } from '../actors/runtime/ack-watch.ts';

/** An overdue check made on time (not late), for a period that has just run out. */
const onTime = (periodMs: number) => ({ dueAt: Date.now(), periodMs });

describe('AckWatch: when an overdue acknowledgement means a lost request', () => {
  it('waits while the responder works through earlier requests, re-sends once a later one was answered', () => {
    const acks = new AckWatch();
    const first = acks.sent();
    const second = acks.sent();
    acks.answered('marker', first);
    expect(acks.stillQueued('marker', second, onTime(2000)), 'the responder is still on earlier requests').to.equal(true);
    const third = acks.sent();
    acks.answered('marker', third);
    expect(acks.stillQueued('marker', second, onTime(2000)), 'a request sent after it was answered: it was skipped').to.equal(false);
  });

  it('a re-send keeps its first ticket, so its early answer does not make the requests queued behind it re-send', () => {
    const acks = new AckWatch();
    const lost = acks.sent();
    const queued = Array.from({ length: 5 }, () => acks.sent());
    const resent = acks.sent(lost);
    expect(resent).to.equal(lost);
    // The responder answers the duplicate at once from its dedupe cache.
    acks.answered('marker', resent);
    for (const ticket of queued) expect(acks.stillQueued('marker', ticket, onTime(2000))).to.equal(true);
  });

  it('re-sends when the responder has been silent for a whole period, and waits when the check itself ran late', () => {
    const acks = new AckWatch();
    const ticket = acks.sent();
    expect(acks.stillQueued('marker', ticket, onTime(2000)), 'never heard from').to.equal(false);
    expect(acks.stillQueued('marker', ticket, { dueAt: Date.now() - 5000, periodMs: 2000 }), 'this process was too busy to read its input').to.equal(true);
  });
});
