import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_NOTIFICATIONS, PubSub } from '../src/events/pubsub.js';

type Topics = { provider: [number] };

describe('the in-process fan-out', () => {
  it('delivers every event to every listening subscription, in order', async () => {
    const pubSub = new PubSub<Topics>();
    const first = pubSub.subscribe('provider');
    const second = pubSub.subscribe('provider');
    const pendingFirst = first.next();
    const pendingSecond = second.next();
    for (const value of [1, 2, 3]) pubSub.publish('provider', [value]);
    expect(await pendingFirst).toEqual({ done: false, value: [1] });
    expect(await pendingSecond).toEqual({ done: false, value: [1] });
    expect(await first.next()).toEqual({ done: false, value: [2] });
    expect(await first.next()).toEqual({ done: false, value: [3] });
    expect(await second.next()).toEqual({ done: false, value: [2] });
  });

  it('ends a subscription at once on return(), settling the read it was waiting on', async () => {
    const pubSub = new PubSub<Topics>();
    const subscription = pubSub.subscribe('provider');
    const pending = subscription.next();
    await subscription.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    pubSub.publish('provider', [1]);
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });

  it('holds a bounded number of unread events: a subscriber too slow gets those, then SUBSCRIBER_TOO_SLOW', async () => {
    const pubSub = new PubSub<Topics>();
    const slow = pubSub.subscribe('provider');
    const keeping = pubSub.subscribe('provider');
    const [firstSlow, firstKeeping] = [slow.next(), keeping.next()];
    const published = MAX_QUEUED_NOTIFICATIONS + 10;
    const received: number[] = [];
    for (let value = 0; value < published; value++) {
      pubSub.publish('provider', [value]);
      // This one keeps up: it reads each event as it comes.
      const next = value === 0 ? await firstKeeping : await keeping.next();
      received.push((next.value as [number])[0]);
    }
    expect(received).toEqual(Array.from({ length: published }, (_, i) => i));

    // The slow one: the read it had waiting, then the events it could hold, in order, then the error.
    const held: number[] = [((await firstSlow).value as [number])[0]];
    for (;;) {
      const next = await slow.next().catch((error: unknown) => error);
      if (next instanceof Error) {
        expect((next as Error & { extensions: { code: string } }).extensions.code).toBe(
          'SUBSCRIBER_TOO_SLOW',
        );
        break;
      }
      held.push(((next as IteratorResult<[number]>).value as [number])[0]);
    }
    expect(held).toEqual(Array.from({ length: MAX_QUEUED_NOTIFICATIONS + 1 }, (_, i) => i));
    // Ended: it listens no more.
    pubSub.publish('provider', [published]);
    expect(await slow.next()).toEqual({ done: true, value: undefined });
  });
});
