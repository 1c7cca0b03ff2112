import { defineMessage } from '@platform/contracts';
import { z } from 'zod';
import { command, defineSaga } from './saga-definition';

const Ask = defineMessage('test.ask', 1, z.object({ id: z.string() }));
const Answered = defineMessage('test.answered', 1, z.object({ id: z.string() }));

describe('declaring a saga', () => {
  it('refuses a step that sends a command but handles no reply', () => {
    expect(() => defineSaga<{ id: string }>('t').step('ask').invokeParticipant((d) => command(Ask, d)).build()).toThrow(
      'step ask invokes a participant but handles no reply',
    );
  });

  it('refuses a timeout on a step that waits for nothing', () => {
    expect(() =>
      defineSaga<{ id: string }>('t').step('tell').notifyParticipant((d) => command(Ask, d)).timeoutAfter(1_000, (d) => d).build(),
    ).toThrow('step tell has a timeout but waits for no reply');
  });

  it('refuses a step name used twice, and a timeout that is not positive', () => {
    const saga = defineSaga<{ id: string }>('t').step('ask').invokeParticipant((d) => command(Ask, d)).onReply(Answered, (d) => d);
    expect(() => saga.step('ask')).toThrow('step ask is declared twice');
    expect(() => defineSaga<{ id: string }>('t').step('wait').timeoutAfter(0, (d) => d)).toThrow('timeout must be > 0 ms');
  });
});
