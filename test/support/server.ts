import Koa from 'koa';
import type { Server } from 'node:http';

/** A Koa app listening on 127.0.0.1 on a free port. */
export interface Running {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listen(app: Koa | ((req: never, res: never) => void)): Promise<Running> {
  const handler = app instanceof Koa ? app.callback() : app;
  const { createServer } = await import('node:http');
  const server = createServer(handler as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
