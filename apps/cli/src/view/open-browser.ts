/** Opens a URL in the user's browser; a machine without one (a server, CI) is no error, only a hint. */
import { spawn } from "node:child_process";

export function openBrowser(url: string, onFail: (why: string) => void): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", '""', url]]
        : ["xdg-open", [url]];
  try {
    const child = spawn(command, args as string[], { detached: true, stdio: "ignore" });
    child.on("error", (error) => onFail(error.message));
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) onFail(`${command} exited with ${code}`);
    });
    child.unref();
  } catch (error) {
    onFail(error instanceof Error ? error.message : String(error));
  }
}
