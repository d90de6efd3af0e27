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

// --ca (required, repeatable), --intermediate, --crl, --issuer, --policy,
// --eku, --at, --nonce-store, --json.
void addVerifyOptions(po::options_description& options);
inline constexpr const char* kVerifyOptionsNote =
    "Trust: --ca files are trust anchors (PEM, several certificates allowed). A\n"
    "card certificate given as --ca is trusted as itself (for test cards whose CA\n"
    "is not published). Revocation is checked only when --crl holds a CRL of the\n"
    "certificate's issuer; an expired CRL is an error.\n"
    "Practitioner: --issuer is required: the CA certificates that issue practitioner\n"
    "authentication certificates. The certificate's direct issuer must be one of\n"
    "them (same subject and key), so that a patient card's or a server's\n"
    "certificate under the same --ca is refused; --issuer adds no trust and does\n"
    "not replace --intermediate. --policy OIDs: the certificate must carry one of\n"
    "them; --eku OIDs: it must carry all of them (e.g. 1.3.6.1.5.5.7.3.2,\n"
    "clientAuth). French and German values: docs/tokens.md. The practitioner shown\n"
    "is read from the certificate; an assertion whose claims name another one is\n"
    "refused (claims-mismatch).\n"
    "Each nonce is accepted once: within this run, or across runs with\n"
    "--nonce-store FILE (SHA-256 of each used nonce, one per line, locked while in\n"
    "use).";

auth::CertificateValidator validatorFrom(const po::variables_map& values);
// --at T (ISO 8601 UTC "2026-01-01T00:00:00Z") or the current time.
std::chrono::system_clock::time_point verificationTime(const po::variables_map& values);
std::unique_ptr<auth::NonceStore> nonceStoreFrom(const po::variables_map& values);
// FILE, or standard input for "-"; at most 1 MiB. Error(BadRequest) naming the file.
std::string readInput(const std::string& file);

// "2026-01-01T00:00:00Z" -> time point; Error(BadRequest) otherwise.
std::chrono::system_clock::time_point parseUtcTime(const std::string& text);

}  // namespace hcbridge::cli
