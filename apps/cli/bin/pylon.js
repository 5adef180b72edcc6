#!/usr/bin/env node
// The `pylon` executable. It lives outside dist/ so that npm can link it at install time, before the build
// (run by the root `prepare` script) has written dist/main.js.
import "../dist/main.js";
