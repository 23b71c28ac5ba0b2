// The Docker source's benchmarks: the reader against its floor, then end to end through dockerd.
// `npx node --expose-gc bench/docker/main.ts`
await import('./reader.ts');
console.log('');
await import('./end-to-end.ts');
