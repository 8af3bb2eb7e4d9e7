import { eventPageSchema, listEventsInputSchema } from '@oos/contracts';
import { decodeCursor, encodeCursor, FEED_START } from '../events/event-cursor.ts';
import { eventsAfter } from '../events/event-store.ts';
import { procedure } from '../trpc.ts';

const inputSchema = listEventsInputSchema.refine(
  ({ after }) => after === undefined || decodeCursor(after) !== undefined,
  { message: 'is not a cursor this feed handed out', path: ['after'] },
);

export const listEvents = procedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/api/events',
      operationId: 'listEvents',
      tags: ['events'],
      summary: 'Every order event, oldest first, from a cursor on',
      protect: false,
    },
  })
  .input(inputSchema)
  .output(eventPageSchema)
  .query(async ({ ctx, input }) => {
    const after = (input.after === undefined ? undefined : decodeCursor(input.after)) ?? FEED_START;
    const page = await eventsAfter(ctx.db, after, input.limit);
    const last = page.at(-1)?.cursor ?? after;
    return { results: page.map(({ event }) => event), next_cursor: encodeCursor(last) };
  });
