// What the web process asks of the background: one small interface, so tests can record instead.
export type JobName = 'sms.send' | 'feeds.poll';
export type JobData = { 'sms.send': { messageId: number }; 'feeds.poll': { feedId: number } };

export interface JobQueue {
  send<N extends JobName>(name: N, data: JobData[N]): Promise<void>;
}

/** A queue that keeps what it is given; tests deliver it themselves. */
export function recordingQueue(): JobQueue & { sent: { name: JobName; data: unknown }[] } {
  const sent: { name: JobName; data: unknown }[] = [];
  return {
    sent,
    async send(name, data) {
      sent.push({ name, data });
    },
  };
}
