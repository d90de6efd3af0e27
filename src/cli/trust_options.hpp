// The options verify-token and verify-assertion share: trust material, the
// verification time, the nonce store and the input file.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "hcbridge/auth/certificate_validator.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "options.hpp"

namespace hcbridge::cli {

// --ca (required, repeatable), --intermediate, --crl, --at, --nonce-store, --json.
void addVerifyOptions(po::options_description& options);
inline constexpr const char* kVerifyOptionsNote =
    "Trust: --ca files are trust anchors (PEM, several certificates allowed). A\n"
    "card certificate given as --ca is trusted as itself (for test cards whose CA\n"
    "is not published). Revocation is checked only when --crl holds a CRL of the\n"
    "certificate's issuer; an expired CRL is an error. Each nonce is accepted once:\n"
    "within this run, or across runs with --nonce-store FILE (SHA-256 of each used\n"
    "nonce, one per line, locked while in use).";

auth::CertificateValidator validatorFrom(const po::variables_map& values);
// --at T (ISO 8601 UTC "2026-01-01T00:00:00Z") or the current time.
std::chrono::system_clock::time_point verificationTime(const po::variables_map& values);
std::unique_ptr<auth::NonceStore> nonceStoreFrom(const po::variables_map& values);
// FILE, or standard input for "-"; at most 1 MiB. Error(BadRequest) naming the file.
std::string readInput(const std::string& file);

// "2026-01-01T00:00:00Z" -> time point; Error(BadRequest) otherwise.
std::chrono::system_clock::time_point parseUtcTime(const std::string& text);

}  // namespace hcbridge::cli
