/**
 * `startProvider`: the `pylon node` daemon as a library. Wires the key, the job store, the backend, the
 * relay pool, intake, admission, the worker and the announcer together, and takes them apart again in
 * the right order on stop().
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Backend, ModelIdentity } from "@pylon/inference";
import { initFastVerify, loadOrCreateKey, RelayPool } from "@pylon/nostr";
import { ConversationKeyCache, type ModelOffer, type TokenPrice, tabRefundTags } from "@pylon/protocol";
import type { RedeemedBatch } from "@pylon/wallet";
import { Announcer } from "./announcer.js";
import { createBackendFor } from "./backend-factory.js";
import { assertModelAvailable, parseProviderConfig } from "./config/load.js";
import type { ProviderConfig, ProviderConfigInput } from "./config/schema.js";
import { GoneRequests } from "./gone-requests.js";
import { Intake } from "./intake.js";
import { Admission } from "./jobs/admission.js";
import { JobWorker } from "./jobs/job-worker.js";
import { releaseOrphanHolds } from "./jobs/orphan-holds.js";
import { type Logger, quietLogger } from "./log.js";
import type { Earnings } from "./payments/earnings.js";
import { freePolicy, type PaymentPolicy, paymentRequiredPolicy } from "./payments/policy.js";
import { startPayments } from "./payments/setup.js";
import { TAB_REFUND_STATUS } from "./payments/tab-refunder.js";
import type { TabRefund } from "./payments/tab-refunds.js";
import type { TabTotals } from "./payments/tabs.js";
import { RefusalLimiter, type RefusalLimits } from "./refusal-limiter.js";
import { ReplyPublisher } from "./replies/reply-publisher.js";
import { RequestRelays } from "./replies/request-relays.js";
import { NodeStats, type NodeStatus } from "./stats.js";
import { IN_FLIGHT_STATES, JobStore } from "./store/job-store.js";

export interface ProviderDeps {
  /** Serve with this backend instead of the configured model (tests, embedding). Closed on stop(). */
  backend?: Backend;
  /** Payment check for nodes that are not `free`. Default: payment-required for every job. */
  paymentPolicy?: PaymentPolicy;
  log?: Logger;
  /** Also reply on loopback/private-network relays named in requests (tests on one machine). */
  allowPrivateRequestRelays?: boolean;
  /** Per-buyer (and per-relay) limits on refusals and on log lines about malformed data. */
  refusalLimits?: RefusalLimits;
}

/** What a running node lets its owner see and do on its ecash side. */
export interface ProviderPayments {
  /** Compressed public key buyers lock to (announced as `payment.p2pk`). */
  paymentKey: string;
  earnings(): Earnings;
  /** Sums over every tab (msats): deposited = balance + reserved + charged + refunded. */
  tabTotals(): TabTotals;
  /** Expiry refunds made by the node (token, delivered or not), optionally of one buyer. */
  tabRefunds(buyer?: string): TabRefund[];
  /** Redeems what was collected now (the scheduler does it before the locktimes on its own). */
  redeemNow(): Promise<RedeemedBatch[]>;
}

export interface RunningProvider {
  pubkey: string;
  npub: string;
  /** True when this start generated the node's key. */
  keyCreated: boolean;
  keyFile: string;
  databaseFile: string;
  config: ProviderConfig;
  /** The ecash side, when the node takes Cashu payments (not free, mints allowed, no policy passed in). */
  payments?: ProviderPayments;
  status(): NodeStatus;
  /** Graceful shutdown (see JobWorker.shutdown); idempotent. */
  stop(): Promise<void>;
}

/** The model offer's identity fields (`digest`, `size`, `arch`, `quant`) from the backend's. */
function identityOffer(identity: ModelIdentity | undefined): Partial<ModelOffer> {
  if (!identity) return {};
  const { digest, sizeBytes, architecture, quantisation } = identity;
  return { digest, sizeBytes, architecture, quantisation };
}

/** Ended jobs are kept this long for the operator's records. */
const JOB_HISTORY_MS = 30 * 86_400_000;

/** Starts a node. Throws ConfigError on a bad config or a missing model file, before anything is opened. */
export async function startProvider(
  input: ProviderConfigInput | ProviderConfig,
  deps: ProviderDeps = {},
): Promise<RunningProvider> {
  const config = parseProviderConfig(input);
  if (!deps.backend) await assertModelAvailable(config);
  const log = deps.log ?? quietLogger;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const keyFile = config.keyFile ?? path.join(config.dataDir, "provider.key");
  const key = await loadOrCreateKey(keyFile);
  await initFastVerify();

  const closers: Array<() => unknown> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        log.error(`while stopping: ${String(error)}`);
      }
    }
  };
  try {
    const databaseFile = path.join(config.dataDir, "provider.db");
    const store = JobStore.open(databaseFile);
    closers.push(() => store.close());
    const backend = deps.backend ?? (await createBackendFor(config));
    closers.push(() => backend.close());
    const refusals = new RefusalLimiter(log, deps.refusalLimits);
    closers.push(() => refusals.close());
    const pool = new RelayPool(config.relays, {
      connectTimeoutMs: 5_000,
      signer: key.secretKey, // answers relays' AUTH; signs (with proof of work where asked) in pool.sign
      onNotice: (relay, message) => log.info(`notice from ${relay}: ${message}`),
      onCallbackError: (error, where) => log.error(`${where} handler failed: ${String(error)}`),
      onMalformed: (relay, reason) => {
        if (refusals.allow(relay)) log.warn(`dropped ${reason}, sent by ${relay}`);
      },
    });
    closers.push(() => pool.close());
    const requestRelays = new RequestRelays(config.relays, {
      allowPrivateHosts: deps.allowPrivateRequestRelays ?? false,
      signer: key.secretKey,
    });
    closers.push(() => requestRelays.close());

    const keys = new ConversationKeyCache(key.secretKey);
    const stats = new NodeStats();
    const payments =
      !config.free && !deps.paymentPolicy && config.allowedMints.length > 0
        ? await startPayments(config, log)
        : undefined;
    // Closed after the worker has stopped (closers run in reverse): the last redeem sees every payment.
    if (payments) closers.push(() => payments.close());
    const policy = config.free
      ? freePolicy
      : (deps.paymentPolicy ?? payments?.policy ?? paymentRequiredPolicy);
    const price: TokenPrice = config.free
      ? { inputMsatsPer1k: 0, outputMsatsPer1k: 0, minimumMsats: 0 }
      : {
          inputMsatsPer1k: config.prices.inputPer1k,
          outputMsatsPer1k: config.prices.outputPer1k,
          minimumMsats: config.prices.minimum,
        };
    const info = backend.info();
    const replies = new ReplyPublisher(pool, keys, requestRelays, { log });
    const worker = new JobWorker({
      backend,
      store,
      replies,
      stats,
      policy,
      log,
      slots: config.slots,
      maxQueue: config.queue,
      maxTokensCap: config.maxTokens,
      ...(config.streaming.enabled
        ? { streaming: { intervalMs: config.streaming.intervalMs, maxPieces: config.streaming.maxPieces } }
        : {}),
      onJobsChanged: (ids) => {
        intake.watchJobs(ids);
        goneRequests.watch(ids);
      },
    });
    const admission = new Admission({
      keys,
      store,
      worker,
      replies,
      stats,
      policy,
      log,
      served: {
        name: info.model,
        aliases: config.modelAliases,
        serveAnyModel: config.serveAnyModel,
        ...(backend.identity ? { digest: backend.identity.digest } : {}),
      },
      price,
      free: config.free,
      serveOpen: config.serveOpen,
      maxTokensCap: config.maxTokens,
      maxAgeSec: config.maxAgeSec,
      contextTokens: info.contextSize,
      maxBatch: config.maxBatch,
      refusals,
    });
    // Cancellations on relays that drop kind-5 deletions: a running job's request gone from the relays.
    const goneRequests = new GoneRequests({ pool, log, onGone: (id) => admission.handleGone(id) });
    const intake = new Intake({
      pool,
      pubkey: key.pubkey,
      serveOpen: config.serveOpen,
      cursor: store.cursor(),
      maxAgeSec: config.maxAgeSec,
      onRequest: (event, relay) => {
        goneRequests.seenOn(event.id, relay);
        void admission.handleRequest(event);
      },
      onCancel: (event) => admission.handleCancel(event),
      log,
    });
    const housekeeping = (): void => {
      try {
        const nowSec = Math.floor(Date.now() / 1000);
        store.prune(nowSec - 2 * config.maxAgeSec - 3_600, Date.now() - JOB_HISTORY_MS);
        admission.resume(store.inStates(["finished"])); // results no relay took yet: try again
        releaseOrphanHolds(store, policy, log); // reserves of ended jobs (a bug's, or an older version's)
      } catch (error) {
        log.error(`housekeeping failed: ${String(error)}`);
      }
    };
    const announcer = new Announcer({
      pool,
      secretKey: key.secretKey,
      handlerId: config.handlerId,
      name: config.name,
      about: config.about,
      model: {
        name: info.model,
        contextLength: info.contextSize,
        maxOutputTokens: config.maxTokens,
        price,
        ...identityOffer(backend.identity),
      },
      price,
      slots: config.slots,
      maxQueue: config.queue,
      maxBatch: config.maxBatch,
      streaming: config.streaming.enabled,
      mints: config.allowedMints,
      ...(payments ? { p2pk: payments.paymentKey } : {}),
      intervalSec: config.announceIntervalSec,
      load: () => ({ active: worker.active, queued: worker.queued }),
      log,
      onTick: housekeeping,
    });

    // What the previous run left in flight, read before intake can add jobs of this run.
    const interrupted = store.inStates(IN_FLIGHT_STATES);
    const quoted = store.inStates(["unpaid"]); // among them, jobs waiting for a Lightning invoice
    // Cancellations first, so that jobs resumed below see the ones made while the node was down.
    await intake.start();
    closers.push(() => intake.stop());
    goneRequests.start();
    closers.push(() => goneRequests.stop());
    admission.resume(interrupted);
    admission.resumeInvoices(quoted);
    await announcer.start();
    housekeeping();
    // Expired tabs are refunded now (also those that expired while the node was down), then periodically.
    if (payments)
      void payments.startTabRefunds((refund) =>
        replies.feedbackFor({ id: refund.jobId, pubkey: refund.buyer }, "success", {
          extra: TAB_REFUND_STATUS,
          content: refund.token,
          tags: tabRefundTags(refund.expiresAt),
        }),
      );

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        log.info("stopping: no new jobs; finishing the running ones");
        intake.stop();
        admission.close();
        await worker.shutdown(config.shutdownGraceSec * 1000);
        await announcer.stop();
        await closeAll();
        log.info("stopped");
      })();
      return stopping;
    };

    return {
      pubkey: key.pubkey,
      npub: key.npub,
      keyCreated: key.created,
      keyFile,
      databaseFile,
      config,
      ...(payments
        ? {
            payments: {
              paymentKey: payments.paymentKey,
              earnings: () => payments.earnings(),
              tabTotals: () => payments.tabTotals(),
              tabRefunds: (buyer?: string) => payments.tabRefunds(buyer),
              redeemNow: () => payments.redeemNow(),
            },
          }
        : {}),
      stop,
      status: (): NodeStatus => ({
        pubkey: key.pubkey,
        npub: key.npub,
        model: info.model,
        ...(backend.identity ? { modelDigest: backend.identity.digest } : {}),
        payment: policy.name,
        startedAt: new Date(stats.startedAt).toISOString(),
        uptimeSec: Math.round((Date.now() - stats.startedAt) / 1000),
        jobs: { ...stats.jobs },
        tokensGenerated: stats.tokensGenerated,
        tokensPerSecond: Math.round(stats.tokensPerSecond() * 10) / 10,
        activeJobs: worker.active,
        queueDepth: worker.queued,
        slots: config.slots,
        maxQueue: config.queue,
        relays: pool
          .status()
          .map(({ relay, state, lastError }) => ({ relay, state, ...(lastError ? { lastError } : {}) })),
        ...(payments ? { earnings: payments.earnings() } : {}),
      }),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
