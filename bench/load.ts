/**
 * The load generator, run as its own process: reads a job as JSON on stdin
 * (`{ url, connections, duration?, amount?, headers: [{...}, ...] }`), runs autocannon against
 * it, cycling through the credential headers one request at a time, and prints the result.
 */
import autocannon from 'autocannon';

interface Job {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers: Array<Record<string, string>>;
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job;
let i = 0;
const list = job.headers.length > 0 ? job.headers : [{}];
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.duration ?? 5 }),
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => {
        const headers = list[i++ % list.length]!;
        return { ...req, headers: { ...req.headers, ...headers } };
      },
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  })}\n`,
);
