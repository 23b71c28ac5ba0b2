import type { SchedulerLike, Subscription } from 'rxjs';

/** Settles after `ms` on `scheduler`, or as soon as `work` settles; leaves no timer behind. */
export async function atMost(
  work: Promise<unknown>,
  ms: number,
  scheduler: SchedulerLike,
): Promise<void> {
  let timer: Subscription | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = scheduler.schedule(() => resolve(), ms);
  });
  await Promise.race([work.catch(() => {}), timeout]);
  timer?.unsubscribe();
}
