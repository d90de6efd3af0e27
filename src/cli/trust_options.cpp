#include "trust_options.hpp"

#include <fstream>
#include <iostream>
#include <iterator>

#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/error.hpp"

namespace hcbridge::cli {
namespace {

constexpr std::size_t kMaxInputSize = 1024 * 1024;

std::vector<std::filesystem::path> paths(const po::variables_map& values, const char* name) {
  std::vector<std::filesystem::path> result;
  if (values.count(name)) {
    for (const auto& text : values[name].as<std::vector<std::string>>()) result.emplace_back(text);
  }
  return result;
}

std::vector<std::string> texts(const po::variables_map& values, const char* name) {
  return values.count(name) ? values[name].as<std::vector<std::string>>()
                            : std::vector<std::string>();
}

}  // namespace

void addVerifyOptions(po::options_description& options) {
  options.add_options()("ca", po::value<std::vector<std::string>>()->required()->composing(),
                        "trust anchor certificates, PEM (repeatable)")(
      "intermediate", po::value<std::vector<std::string>>()->composing(),
      "untrusted intermediate CA certificates, PEM (repeatable)")(
      "crl", po::value<std::vector<std::string>>()->composing(), "CRL, DER or PEM (repeatable)")(
      "issuer", po::value<std::vector<std::string>>()->composing(),
      "CA allowed to issue practitioner certificates, PEM (repeatable, required)")(
      "policy", po::value<std::vector<std::string>>()->composing(),
      "certificate policy OID the certificate must carry (repeatable: any of them)")(
      "eku", po::value<std::vector<std::string>>()->composing(),
      "extended key usage OID the certificate must carry (repeatable: all of them)")(
      "at", po::value<std::string>(),
      "verify at this UTC time instead of now, e.g. 2026-01-01T00:00:00Z")(
      "nonce-store", po::value<std::string>(), "file of used nonces shared by runs (created 0600)")(
      "json", "print JSON");
}

auth::CertificateValidator validatorFrom(const po::variables_map& values) {
  return auth::CertificateValidator(
      auth::TrustSettings{.trustAnchors = paths(values, "ca"),
                          .intermediates = paths(values, "intermediate"),
                          .crls = paths(values, "crl"),
                          .issuers = paths(values, "issuer"),
                          .policies = texts(values, "policy"),
                          .extendedKeyUsages = texts(values, "eku")});
}

std::chrono::system_clock::time_point parseUtcTime(const std::string& text) {
  if (const auto time = base::parseUtcSecondsText(text)) return *time;
  throw Error(Errc::BadRequest, "'" + text + "' is not a UTC time like 2026-01-01T00:00:00Z",
              "Give --at as YYYY-MM-DDTHH:MM:SSZ.");
}

std::chrono::system_clock::time_point verificationTime(const po::variables_map& values) {
  if (values.count("at")) return parseUtcTime(values["at"].as<std::string>());
  return std::chrono::system_clock::now();
}

std::unique_ptr<auth::NonceStore> nonceStoreFrom(const po::variables_map& values) {
  if (values.count("nonce-store")) {
    return std::make_unique<auth::FileNonceStore>(values["nonce-store"].as<std::string>());
  }
  return std::make_unique<auth::MemoryNonceStore>();
}

std::string readInput(const std::string& file) {
  std::string content;
  if (file == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw Error(Errc::BadRequest, "Cannot read " + file,
                  "Check the file name (or use - for "
                  "standard input).");
    }
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (content.size() > kMaxInputSize) {
    throw Error(Errc::BadRequest,
                (file == "-" ? "Standard input" : file) + " is larger than 1 MiB");
  }
  return content;
}

}  // namespace hcbridge::cli
