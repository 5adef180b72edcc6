/** Service files for `pylon node install-service`: pure renderers of one ServiceSpec per platform. */
export { LAUNCHD_LABEL, renderLaunchdPlist } from "./launchd.js";
export { type ServiceTarget, servicePlatform, serviceTarget } from "./platforms.js";
export { SERVICE_PLATFORMS, type ServicePlatform, type ServiceSpec } from "./spec.js";
export { renderSystemdUnit, SYSTEMD_UNIT } from "./systemd.js";
