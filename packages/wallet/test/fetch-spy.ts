/** Counts the HTTP requests this process makes, by method and path (cashu-ts goes through global fetch). */
export class FetchSpy {
  readonly calls: string[] = [];
  private readonly original = globalThis.fetch;

  install(): this {
    globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      this.calls.push(`${(init?.method ?? "GET").toUpperCase()} ${new URL(url).pathname}`);
      return this.original(input, init);
    };
    return this;
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }

  reset(): void {
    this.calls.length = 0;
  }

  uninstall(): void {
    globalThis.fetch = this.original;
  }
}
