import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that nothing listens on now (bound, then released): for "connection refused". */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("the OS gave no port");
  return address.port;
}
