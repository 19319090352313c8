#!/usr/bin/env node
// The myoperator-webhooks command: reserved for the call simulator.

console.error('myoperator-webhooks: the call simulator is not part of this version yet.');
process.exitCode = 1;
