// Time and APDUs of opening a practitioner session (certificate check, PIN
// status, VERIFY, signed challenge) and of issuing one record-access
// assertion, through the service core (CardService) on real pcscd + vpcd.
// The patient card (vitale-family) is in slot 0, the practitioner card in
// slot 1; both are read once before measuring, as the service does at
// insertion, so the figures are the session's own cost.
//
//   bench_session [cps-demo|HBA_IMAGE.xml] [--samples N] [--pkcs11-module PATH]
//
// With --pkcs11-module the session goes through that module (e.g. Debian's
// OpenSC, /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so) instead of hcbridge's
// driver: the APDUs at the card are then OpenSC's, which the command list
// (hcbridge's own connections) does not show.
//
// The HBA image's CA is not published and its certificates expired: the
// bench trusts its authentication certificate itself at a pinned time.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hba_driver.hpp"
#include "hcbridge/core/card_service.hpp"
#include "hcbridge/drivers.hpp"
#include "hcbridge/error.hpp"
#include "hcbridge/pcsc_transport.hpp"
#include "hcbridge/sim/card.hpp"
#include "hcbridge/sim/profile.hpp"
#include "hcbridge/sim/vpcd_client.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kPatientReader = "Virtual PCD 00 00";
const std::string kPractitionerReader = "Virtual PCD 00 01";

// Every command the host sends, from every connection (GET RESPONSEs below
// the transport are not commands of ours and are not seen here).
class CommandLog {
 public:
  void add(const hcbridge::apdu::CommandApdu& command) {
    std::lock_guard lock(mutex_);
    char text[32];
    std::snprintf(text, sizeof text, "%02X %02X %02X %02X", command.cla, command.ins, command.p1,
                  command.p2);
    lines_.emplace_back(text);
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(lines_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

class LoggingConnection final : public hcbridge::CardConnection {
 public:
  LoggingConnection(std::unique_ptr<hcbridge::CardConnection> inner, CommandLog& log)
      : inner_(std::move(inner)), log_(log) {}
  const std::string& readerName() const override { return inner_->readerName(); }
  const hcbridge::Bytes& atr() const override { return inner_->atr(); }
  hcbridge::Protocol protocol() const override { return inner_->protocol(); }
  bool extendedLengthSupported() const override { return inner_->extendedLengthSupported(); }
  hcbridge::apdu::ResponseApdu transmit(const hcbridge::apdu::CommandApdu& command) override {
    log_.add(command);
    return inner_->transmit(command);
  }
  hcbridge::Bytes transmitRaw(hcbridge::ByteView command) override {
    return inner_->transmitRaw(command);
  }
  void beginTransaction() override { inner_->beginTransaction(); }
  void endTransaction() noexcept override { inner_->endTransaction(); }
  void resetCard() override { inner_->resetCard(); }

 private:
  std::unique_ptr<hcbridge::CardConnection> inner_;
  CommandLog& log_;
};

class LoggingTransport final : public hcbridge::Transport {
 public:
  LoggingTransport(hcbridge::Transport& inner, CommandLog& log) : inner_(inner), log_(log) {}
  std::vector<hcbridge::ReaderInfo> listReaders() override { return inner_.listReaders(); }
  std::unique_ptr<hcbridge::CardConnection> connect(const std::string& reader,
                                                    hcbridge::ShareMode mode) override {
    return std::make_unique<LoggingConnection>(inner_.connect(reader, mode), log_);
  }
  std::unique_ptr<hcbridge::ReaderWatcher> watch() override { return inner_.watch(); }

 private:
  hcbridge::Transport& inner_;
  CommandLog& log_;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Calls a Backend function and waits for its result; an error is rethrown.
template <typename Result>
Result await(const std::function<void(std::function<void(std::exception_ptr, Result)>)>& call) {
  std::promise<Result> result;
  call([&](std::exception_ptr error, Result value) {
    if (error) {
      result.set_exception(error);
    } else {
      result.set_value(std::move(value));
    }
  });
  return result.get_future().get();
}

std::string pemOf(const hcbridge::Bytes& der, const std::string& file) {
  const unsigned char* cursor = der.data();
  X509* certificate = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
  FILE* out = std::fopen(file.c_str(), "w");
  if (certificate == nullptr || out == nullptr) throw std::runtime_error("cannot write " + file);
  PEM_write_X509(out, certificate);
  std::fclose(out);
  X509_free(certificate);
  return file;
}

void printList(const char* what, const std::vector<std::string>& commands) {
  std::printf("%s: %zu commands:", what, commands.size());
  for (const auto& command : commands) std::printf(" [%s]", command.c_str());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string practitionerCard = "cps-demo";
  int samples = 10;
  std::string pkcs11Module;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      samples = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--pkcs11-module") == 0 && i + 1 < argc) {
      pkcs11Module = argv[++i];
    } else {
      practitionerCard = argv[i];
    }
  }
  try {
    hcbridge::drivers::registerSimProfiles();
    const auto practitionerProfile = hcbridge::sim::loadProfile(practitionerCard);
    const bool hba = practitionerCard.find(".xml") != std::string::npos;
    auto patient =
        std::make_shared<hcbridge::sim::Card>(hcbridge::sim::loadProfile("vitale-family"));
    auto practitioner = std::make_shared<hcbridge::sim::Card>(practitionerProfile);
    hcbridge::sim::VpcdClient patientSlot(patient, "127.0.0.1", 35963);
    hcbridge::sim::VpcdClient practitionerSlot(practitioner, "127.0.0.1", 35964);
    patientSlot.insert();
    practitionerSlot.insert();
    if (!patientSlot.waitConnected(10s) || !practitionerSlot.waitConnected(10s)) {
      std::fprintf(stderr, "vpcd is not reachable: is pcscd with vsmartcard-vpcd running?\n");
      return 1;
    }
    const std::string pin = hba ? "123456" : "1234";
    std::printf("practitioner card %s, patient card vitale-family\n",
                practitionerProfile.name.c_str());

    auto pcsc = hcbridge::pcsc::makeTransport();
    CommandLog log;
    LoggingTransport transport(*pcsc, log);
    const hcbridge::DriverRegistry registry = hcbridge::makeDefaultRegistry();
    const hcbridge::core::SerialHasher hasher(hcbridge::SecretBytes(std::string(32, 'k')));

    hcbridge::core::AuthenticationSettings settings;
    const std::string fixtures = HCBRIDGE_TEST_PKI;
    hcbridge::auth::TrustSettings trust;
    if (hba) {
      // The HBA's own certificate, read once, is the trust anchor.
      hcbridge::Bytes certificate;
      for (const auto deadline = Clock::now() + 10s; certificate.empty();) {
        try {
          auto connection = pcsc->connect(kPractitionerReader, hcbridge::ShareMode::Shared);
          certificate =
              hcbridge::drivers::makeHbaDriver()->readCertificates(*connection).front().der;
        } catch (const hcbridge::Error&) {
          if (Clock::now() > deadline) throw;
          std::this_thread::sleep_for(100ms);
        }
      }
      trust.trustAnchors = {pemOf(certificate, "/tmp/hcbridge-bench-hba-aut.pem")};
      const auto pinned = std::chrono::system_clock::from_time_t(1559347200);  // 2019-06-01
      settings.verificationTime = [pinned] { return pinned; };
    } else {
      trust.trustAnchors = {fixtures + "/root.cert.pem"};
      trust.intermediates = {fixtures + "/intermediate.cert.pem"};
      trust.crls = {fixtures + "/intermediate.crl.pem"};
    }
    settings.practitionerTrust = hcbridge::auth::CertificateValidator(trust);
    if (!pkcs11Module.empty()) {
      settings.pkcs11 = hcbridge::core::AuthenticationSettings::Pkcs11Practitioner{};
      settings.pkcs11->module = pkcs11Module;
      std::printf("practitioner backend: PKCS#11 module %s\n", pkcs11Module.c_str());
    }
    hcbridge::core::CardService manager(transport, registry, hasher, "pcsc", "bench",
                                          std::move(settings));

    // As at insertion: both cards identified and read once. pcscd may still
    // show the card of an earlier run for a moment: wait for these types.
    const std::string practitionerType = hba ? "hba" : "cps";
    for (const auto deadline = Clock::now() + 10s;;) {
      int ready = 0;
      for (const auto& reader : manager.readers()) {
        ready += (reader.name == kPatientReader && reader.cardType == "vitale") ||
                 (reader.name == kPractitionerReader && reader.cardType == practitionerType);
      }
      if (ready == 2) break;
      if (Clock::now() > deadline) throw std::runtime_error("the cards were not identified");
      std::this_thread::sleep_for(50ms);
    }
    std::promise<void> patientRead, practitionerRead;
    manager.readPatientCard(kPatientReader, [&](std::exception_ptr e, hcbridge::api::CardRead) {
      e ? patientRead.set_exception(e) : patientRead.set_value();
    });
    manager.readPractitionerCard(
        kPractitionerReader, [&](std::exception_ptr e, hcbridge::api::CardRead) {
          e ? practitionerRead.set_exception(e) : practitionerRead.set_value();
        });
    patientRead.get_future().get();
    practitionerRead.get_future().get();
    log.take();

    std::vector<double> openTimes, assertionTimes;
    std::vector<std::string> openCommands, assertionCommands;
    std::size_t openCardApdus = 0, assertionCardApdus = 0;
    const std::string nonce = "QmVuY2ggbm9uY2UgdGhhdCBpcyBsb25nIGVub3VnaCBmb3IgV2ViIGVJRA";
    const hcbridge::api::SessionCaller kCaller{"app bench", 0};
    std::string token;
    for (int i = 0; i < samples; ++i) {
      std::size_t before = practitioner->commandCount();
      auto start = Clock::now();
      await<hcbridge::api::SessionOpened>([&](hcbridge::api::SessionOpenHandler done) {
        hcbridge::api::SessionOpenRequest open;
        open.caller = kCaller;
        open.pin = hcbridge::SecretBytes(pin);
        open.reader = kPractitionerReader;
        manager.openPractitionerSession(
            std::move(open),
            [&token, done](std::exception_ptr e, hcbridge::api::SessionOpened opened) {
              token = opened.sessionToken;
              done(e, std::move(opened));
            });
      });
      openTimes.push_back(millisecondsSince(start));
      openCardApdus = practitioner->commandCount() - before;
      openCommands = log.take();

      before = practitioner->commandCount();
      start = Clock::now();
      std::promise<void> issued;
      hcbridge::api::RecordAccessRequest request;
      request.session = {kCaller, token};
      request.audience = "https://dmp.example/api";
      request.nonce = nonce;
      request.purpose = "normal";
      request.origin = "https://dmp.example";
      request.patientReader = kPatientReader;
      manager.issueRecordAccess(std::move(request),
                                [&](std::exception_ptr e, hcbridge::api::RecordAccessIssued) {
                                  e ? issued.set_exception(e) : issued.set_value();
                                });
      issued.get_future().get();
      assertionTimes.push_back(millisecondsSince(start));
      assertionCardApdus = practitioner->commandCount() - before;
      assertionCommands = log.take();

      await<bool>([&](hcbridge::api::SessionCloseHandler done) {
        manager.closePractitionerSession({kCaller, token}, done);
      });
      std::this_thread::sleep_for(20ms);  // the reset runs on the card's strand
      log.take();
    }
    std::printf("open session: median %.2f ms over %d, %zu APDUs at the card\n", median(openTimes),
                samples, openCardApdus);
    printList("  open session", openCommands);
    std::printf("record-access assertion: median %.2f ms over %d, %zu APDUs at the card\n",
                median(assertionTimes), samples, assertionCardApdus);
    printList("  assertion", assertionCommands);
    manager.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
