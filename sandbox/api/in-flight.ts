// What each listener is still busy with: connections open and requests whose handling has not
// finished. A test that kills a client mid-request waits for both to reach 0 before it compares
// anything with the sandbox's record: a request already sent is still handled after the kill.
import type { Server } from 'node:http';

export type ListenerName = 'api' | 'issuer';

export interface Busy {
  /** Accepted connections not yet closed (a caller over HTTP counts its own). */
  connections: number;
  /** Requests handed to a handler that has not finished (an answer held by a fault is finished). */
  requests: number;
}

export class InFlight {
  private readonly busy: Record<ListenerName, Busy> = {
    api: { connections: 0, requests: 0 },
    issuer: { connections: 0, requests: 0 },
  };

  /** Counts the listener's connections from accept to close. */
  watch(name: ListenerName, server: Server): void {
    server.on('connection', (socket) => {
      this.busy[name].connections++;
      socket.once('close', () => this.busy[name].connections--);
    });
  }

  /** Counts one request until its handling settles. */
  track(name: ListenerName, work: Promise<unknown>): void {
    this.busy[name].requests++;
    const done = () => {
      this.busy[name].requests--;
    };
    work.then(done, done);
  }

  current(): Record<ListenerName, Busy> {
    return { api: { ...this.busy.api }, issuer: { ...this.busy.issuer } };
  }
}
