import { z } from 'zod';
import { defineMessage } from './message-contract';

/**
 * A saga step's deadline, sent to the saga's own reply queue through a delay queue. It is
 * acted on only if the saga is still waiting on that step when it arrives.
 */
export const SagaStepTimedOut = defineMessage(
  'saga.step-timed-out',
  1,
  z.object({ sagaType: z.string().min(1), step: z.string().min(1), stepIndex: z.number().int().nonnegative() }),
);
