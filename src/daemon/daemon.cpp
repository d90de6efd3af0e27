#include "daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "app_key_ring.hpp"
#include "hcbridge/api/server.hpp"
#include "hcbridge/audit_log.hpp"
#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/base/tcp_table.hpp"
#include "hcbridge/core/card_service.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "hcbridge/pkcs11/crash_report.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/sim_transport.hpp"
#include "hcbridge/version.hpp"
#include "origin_reach.hpp"
#include "service_notify.hpp"
#include "simulated_trust.hpp"

namespace hcbridge::daemon {
namespace {

namespace fs = std::filesystem;

// One line per event on stderr; journald adds the time itself.
class StderrLog {
 public:
  // One write() per call, newline included (std::cerr << std::endl made two
  // syscalls). The server gives it several request lines per call.
  void operator()(std::string_view line) {
    std::string text;
    text.reserve(line.size() + 1);
    text.append(line).push_back('\n');
    std::lock_guard lock(mutex_);
    std::string_view rest = text;
    while (!rest.empty()) {
      const ssize_t written = ::write(STDERR_FILENO, rest.data(), rest.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return;  // nowhere to log to: the service goes on
      rest.remove_prefix(static_cast<std::size_t>(written));
    }
  }

 private:
  std::mutex mutex_;
};

// The demo cards of --simulate: a Vitale card in the first reader, the CPS
// card (PIN 1234) in the second. Invented TEST data only.
std::unique_ptr<Transport> makeSimulatedTransport() {
  drivers::registerSimProfiles();
  auto transport = std::make_unique<sim::SimTransport>();
  transport->insertCard(0, std::make_shared<sim::Card>(sim::loadProfile("vitale-family")));
  transport->insertCard(1, std::make_shared<sim::Card>(sim::loadProfile("cps-demo")));
  return transport;
}

// --simulate keeps its state in a per-user folder that may not exist yet.
void createStateFolders(const Settings& settings) {
  for (const fs::path& file :
       {settings.appKeysFile, settings.auditLog, settings.serialKeyFile, settings.auditKeyFile}) {
    const fs::path folder = file.parent_path();
    if (folder.empty() || fs::exists(folder)) continue;
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace);
  }
}

AuditRecord toAuditRecord(const api::AuditEntry& entry) {
  return {entry.action, entry.caller,  entry.practitioner, entry.cardSerialHash,
          entry.fields, entry.outcome, entry.details};
}

std::string describe(const api::ServiceEvent& event) {
  using Type = api::ServiceEvent::Type;
  std::string line = "event " + std::string(api::eventTypeName(event.type));
  if (!event.reader.empty()) line += " reader='" + event.reader + "'";
  if (event.type == Type::CardInserted) line += " cardType=" + event.cardType;
  if (event.type == Type::SessionClosed) line += " reason=" + event.reason;
  return line;
}

// At start and on SIGHUP: an allowed origin that no browser with Local
// Network Access lets through is a silent failure for the page; say it here.
void warnAboutPlainHttpOrigins(const std::vector<std::string>& origins, StderrLog& log) {
  for (const auto& origin : plainHttpRemoteOrigins(origins)) {
    log("warning: " + plainHttpOriginWarning(origin));
  }
}

// SIGHUP: the application keys and the config's allowed origins (the
// --allow-origin ones stay). Anything else in the config needs a restart.
void reload(const Settings& settings, AppKeyRing& keys, api::Server& server, StderrLog& log) {
  try {
    const std::size_t count = keys.reload();
    log("sighup: application keys reloaded from " + keys.file().string() + " (" +
        std::to_string(count) + " keys)");
  } catch (const Error& error) {
    log(std::string("sighup: application keys not reloaded, keeping the previous ones: ") +
        error.what());
  }
  try {
    const FileConfig config = loadConfig(
        settings.configFileGiven ? std::optional<fs::path>(settings.configFile) : std::nullopt);
    std::vector<std::string> origins = config.allowedOrigins;
    for (std::size_t i = settings.configAllowedOrigins.size(); i < settings.allowedOrigins.size();
         ++i) {
      origins.push_back(settings.allowedOrigins[i]);
    }
    log("sighup: allowed origins reloaded from " + settings.configFile.string() + " (" +
        std::to_string(origins.size()) + " origins); other settings apply at the next start");
    warnAboutPlainHttpOrigins(origins, log);
    server.setAllowedOrigins(std::move(origins));
  } catch (const Error& error) {
    // The error names the file, the line and the reason, as at start.
    log(std::string("sighup: config refused, the running config stays in force: ") + error.what());
  }
}

std::optional<auth::TrustSettings> pick(const std::optional<auth::TrustSettings>& configured,
                                        const std::optional<SimulatedTrust>& simulated,
                                        auth::TrustSettings SimulatedTrust::*member) {
  if (configured) return configured;
  if (simulated) return (*simulated).*member;
  return std::nullopt;
}

core::AuthenticationSettings authenticationSettings(const Settings& settings, StderrLog& log) {
  std::optional<SimulatedTrust> simulated;
  if (settings.simulate && (!settings.practitionerTrust || !settings.patientCardTrust)) {
    simulated = writeSimulatedTrust(settings.serialKeyFile.parent_path() / "test-pki");
    log("simulate: trusting the TEST PKI of the simulated cards (" +
        simulated->practitioner.trustAnchors.front().parent_path().string() + ")");
  }
  core::AuthenticationSettings authentication;
  if (auto trust = pick(settings.practitionerTrust, simulated, &SimulatedTrust::practitioner)) {
    authentication.practitionerTrust = auth::CertificateValidator(*trust);
  } else {
    log("no practitioner_trust in the config: practitioner sessions will be refused");
  }
  if (auto trust = pick(settings.patientCardTrust, simulated, &SimulatedTrust::patientCard)) {
    authentication.patientCardTrust = auth::CertificateValidator(*trust);
  }
  if (settings.verificationTime) {
    const auto pinned = *settings.verificationTime;
    authentication.verificationTime = [pinned] { return pinned; };
    log("verification_time is pinned: certificates are checked at a fixed time (tests only)");
  }
  authentication.sessionIdleTimeout = settings.sessionIdleTimeout;
  authentication.cardAbsentAccess = settings.cardAbsentAccess;
  if (settings.practitionerPkcs11) {
    authentication.pkcs11 = settings.practitionerPkcs11;
    // The module runs inside the service: if it crashes, the journal says so.
    pkcs11::installCrashReport();
    // OpenSC's debug log writes every APDU to stderr, the PIN's VERIFY
    // included, and stderr is the journal: not in this process.
    if (std::getenv("OPENSC_DEBUG") != nullptr) {
      ::unsetenv("OPENSC_DEBUG");
      log("OPENSC_DEBUG is ignored: OpenSC's debug log would write the PIN to the journal");
    }
    log("practitioner cards through the PKCS#11 module " + settings.practitionerPkcs11->module);
  }
  authentication.appVersion = "https://hcbridge.local/releases/" + std::string(kVersion);
  return authentication;
}

// A practitioner session is bound to the local user of its opener, found in
// the kernel's TCP table. A table the service cannot read (a sandbox hiding
// /proc/net) would leave that check blind, so it is said loudly.
void warnIfPeerUsersUnknown(std::uint16_t port, StderrLog& log) {
  for (const base::TcpSocketRow& row : base::readTcpTables()) {
    if (row.state == base::kTcpListen && row.local.port == port) return;
  }
  log("warning: cannot read the kernel's TCP table (/proc/net/tcp): practitioner sessions are "
      "bound to their opener's application and token, but not to its local user. Remove "
      "ProcSubset=pid (or similar sandboxing) from the service unit.");
}

// Replaces the "demo" application key in `file` and returns the new key.
std::string replaceDemoKey(const fs::path& file) {
  AppKeyStore store = AppKeyStore::open(file);
  store.remove("demo");
  return store.add("demo");
}

}  // namespace

int runDaemon(const Settings& settings, std::ostream& out, SignalWaiter& signals) {
  StderrLog log;
  if (settings.simulate) createStateFolders(settings);
  const core::SerialHasher hasher = core::SerialHasher::loadOrCreate(settings.serialKeyFile);
  // The audit key is made at the first start like the serial key (the
  // package makes both); checkpoints of the chain go to the journal.
  AuditLogOptions auditOptions;
  auditOptions.checkpointEvery = settings.auditCheckpointEvery;
  auditOptions.checkpointFile = settings.auditCheckpointFile;
  auditOptions.systemLog = [&log](const std::string& line) { log(line); };
  // Each batch's answers go to the network thread in one post, once it runs
  // (until then, and after it stopped, no HTTP read waits for a line).
  std::atomic<boost::asio::io_context*> networkThread{nullptr};
  auditOptions.deliverWritten = [&networkThread](std::function<void()> callBatch) {
    if (auto* io = networkThread.load()) {
      boost::asio::post(*io, std::move(callBatch));
    } else {
      callBatch();
    }
  };
  const auto audit = AuditLog::open(
      settings.auditLog, AuditKey::loadOrCreate(settings.auditKeyFile), std::move(auditOptions));
  // The demo has no web page yet (it comes with the browser issue): a fresh
  // key named "demo" on each simulated start lets a newcomer call the API.
  const std::optional<std::string> demoKey =
      settings.simulate ? std::optional(replaceDemoKey(settings.appKeysFile)) : std::nullopt;
  AppKeyRing keys(settings.appKeysFile);

  std::unique_ptr<Transport> transport =
      settings.simulate ? makeSimulatedTransport() : pcsc::makeTransport();
  const std::string transportLabel = settings.simulate ? "simulated" : "pcsc";
  const DriverRegistry registry = makeDefaultRegistry();
  core::CardService manager(*transport, registry, hasher, transportLabel, kVersion,
                              authenticationSettings(settings, log));
  auto eventLog =
      manager.subscribe([&log](const api::ServiceEvent& event) { log(describe(event)); });

  boost::asio::io_context io{1};  // one network thread (api/server.hpp)
  networkThread = &io;
  api::Server server(
      io, manager, settings.policy(),
      [&keys](std::string_view key) { return keys.authenticate(key); },
      [&audit, &log](const api::AuditEntry& entry, api::AuditWritten written) {
        // Group commit: the answer waits for its line off the card's strand.
        // A failed audit write is loud in the log and refuses the read (the
        // router answers 500 and returns no patient data).
        audit->appendAsync(
            toAuditRecord(entry), [&log, written = std::move(written)](std::exception_ptr failure) {
              if (failure) {
                try {
                  std::rethrow_exception(failure);
                } catch (const std::exception& error) {
                  log(std::string("audit: line not written, read refused: ") + error.what());
                } catch (...) {
                  log("audit: line not written, read refused");
                }
              }
              written(failure);
            });
      },
      [&log](std::string_view line) { log(line); },
      [&audit](const std::string& cardSerialHash) { return audit->cardAccesses(cardSerialHash); });

  signals.start([&](int signal) {
    if (signal == SIGHUP) {
      reload(settings, keys, server, log);
      return;
    }
    log(signal == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping");
    server.stop();
  });

  warnIfPeerUsersUnknown(server.port(), log);
  const std::string port = std::to_string(server.port());
  out << "hcbridged listening on http://127.0.0.1:" << port
      << " (and [::1]) — transport: " << transportLabel << std::endl;
  if (demoKey) {
    out << "demo: simulated cards: family Carte Vitale (reader 0), CPS practitioner card, PIN 1234 "
           "(reader 1). Try:\n"
        << "  curl -H 'Authorization: Bearer " << *demoKey << "' http://localhost:" << port
        << "/v1/readers\n"
        << "  curl -H 'Authorization: Bearer " << *demoKey << "' http://localhost:" << port
        << "/v1/practitioner-card\n"
        << "  curl -X POST -H 'Authorization: Bearer " << *demoKey
        << "' -H 'Content-Type: application/json' -d '{\"pin\":\"1234\"}' http://localhost:" << port
        << "/v1/practitioner/session\n"
        << "  curl -H 'Authorization: Bearer " << *demoKey << "' http://localhost:" << port
        << "/v1/patient-card   (needs the session)\n"
        << "  API description: http://localhost:" << port
        << "/v1/openapi.json (with the same header)" << std::endl;
  }
  log("hcbridged " + std::string(kVersion) + ": " + std::to_string(settings.allowedOrigins.size()) +
      " allowed origins, " + std::to_string(keys.size()) + " application keys, audit log " +
      settings.auditLog.string());
  warnAboutPlainHttpOrigins(settings.allowedOrigins, log);

  notifyService("READY=1");
  io.run();
  networkThread = nullptr;  // run() returned: no read waits for its line
  notifyService("STOPPING=1");
  signals.stop();
  eventLog.reset();
  manager.stop();
  audit->checkpoint();  // the head at stop: a tail cut while stopped is caught
  log("hcbridged stopped");
  return 0;
}

}  // namespace hcbridge::daemon
