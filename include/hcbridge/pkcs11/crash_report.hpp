// A PKCS#11 module runs inside hcbridged (docs/architecture.md, "PKCS#11
// practitioner cards"): if it crashes, the process dies. This makes the
// death say where: a handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT
// that, when the fault happened inside a module call, writes "crashed inside
// the PKCS#11 module <path> during <call>" to stderr (the journal) and then
// lets the signal kill the process as it would have (systemd restarts the
// service). Only async-signal-safe calls in the handler.
#pragma once

namespace hcbridge::pkcs11 {

void installCrashReport();

}  // namespace hcbridge::pkcs11
