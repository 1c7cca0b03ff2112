import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter turns every error into `{ status: 'error', message }`, and for an
 * event handler nobody awaits even that. A consumer must see the error itself: a
 * PermanentMessageError is dead-lettered with its reason, a lost database connection is retried
 * in place, anything else climbs the retry ladder, and the batch's transaction rolls back in every
 * case. So a message handler's error goes back to the transport unchanged.
 */
@Catch()
export class MessageFailuresToTransport implements RpcExceptionFilter<unknown> {
  catch(error: unknown): Observable<never> {
    return throwError(() => error);
  }
}
