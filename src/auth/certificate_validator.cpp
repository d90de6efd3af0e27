// Chain building and checks are OpenSSL's (X509_verify_cert); this file picks
// which failure to report when there are several, because OpenSSL's own
// order (revocation before validity) would call an expired certificate
// "revoked" whenever its CRL is stale too.
#include "hcbridge/auth/certificate_validator.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>

#include "der.hpp"
#include "hcbridge/base/x509_der.hpp"
#include "hcbridge/error.hpp"
#include "practitioner_constraints.hpp"
#include "trust_files.hpp"
#include "x509_text.hpp"

namespace hcbridge::auth {

struct CertificateValidator::Impl {
  base::X509StoreHandle store;
  std::size_t anchorCount = 0;
  std::vector<base::X509Handle> intermediates;
  std::vector<base::X509CrlHandle> crls;
  detail::PractitionerConstraints constraints;
};

namespace {

// Lower rank = reported first.
enum class Problem { Untrusted = 0, Invalid = 1, Time = 2, Revocation = 3 };

struct Failure {
  Problem problem;
  int error;
  int depth;
  std::string subject;
  std::string notBefore;
  std::string notAfter;
};

Problem classify(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Problem::Time;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_INVALID_EXTENSION:
      return Problem::Invalid;
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
      return Problem::Revocation;
    default:
      return Problem::Untrusted;
  }
}

// Collects every failure and lets OpenSSL go on, so the most telling one can
// be reported (see the top of this file). The result is decided by the list.
int collectFailures(int ok, X509_STORE_CTX* context) {
  if (ok == 1) return 1;
  auto* failures = static_cast<std::vector<Failure>*>(X509_STORE_CTX_get_app_data(context));
  const int error = X509_STORE_CTX_get_error(context);
  const X509* current = X509_STORE_CTX_get_current_cert(context);
  Failure failure{classify(error), error, X509_STORE_CTX_get_error_depth(context), {}, {}, {}};
  if (current != nullptr) {
    failure.subject = detail::nameText(X509_get_subject_name(current));
    failure.notBefore = detail::timeText(X509_get0_notBefore(current));
    failure.notAfter = detail::timeText(X509_get0_notAfter(current));
  }
  if (failures != nullptr && failures->size() < 32) failures->push_back(std::move(failure));
  return 1;
}

std::string whose(const Failure& failure) {
  const std::string role =
      failure.depth == 0 ? "The certificate"
                         : "The CA certificate at chain depth " + std::to_string(failure.depth);
  return failure.subject.empty() ? role : role + " '" + failure.subject + "'";
}

[[noreturn]] void throwFailure(const Failure& failure, const std::string& at) {
  const std::string reason = X509_verify_cert_error_string(failure.error);
  switch (failure.problem) {
    case Problem::Time:
      if (failure.error == X509_V_ERR_CERT_NOT_YET_VALID) {
        throw Error(
            Errc::CertificateExpired,
            whose(failure) + " is not valid before " + failure.notBefore + " (checked at " + at +
                ")",
            "Check the verifying computer's clock, or wait until the certificate is valid.");
      }
      throw Error(Errc::CertificateExpired,
                  whose(failure) + " expired on " + failure.notAfter + " (checked at " + at + ")",
                  "The card's certificate has expired: the practitioner needs a renewed card.");
    case Problem::Revocation:
      if (failure.error == X509_V_ERR_CERT_REVOKED) {
        throw Error(Errc::CertificateRevoked,
                    whose(failure) + " is revoked according to its issuer's CRL",
                    "The card must not be used any more: the practitioner needs a new card.");
      }
      throw Error(Errc::CertificateRevoked,
                  "The revocation status of " + whose(failure) +
                      " is unknown: the configured CRL " + "cannot be used (" + reason +
                      ", checked at " + at + ")",
                  "Install the issuer's current CRL, or remove the stale one from the "
                  "configuration.");
    case Problem::Invalid:
      throw Error(Errc::CertificateInvalid, whose(failure) + " is malformed: " + reason,
                  "Use the card's authentication certificate.");
    case Problem::Untrusted:
      break;
  }
  throw Error(Errc::CertificateUntrusted,
              whose(failure) + " does not chain to a configured trust anchor: " + reason,
              "Configure the issuing CA as a trust anchor (and its intermediates), or this card "
              "is not one the deployment accepts.");
}

void checkKeyUsage(X509* certificate, const std::string& subject) {
  // A certificate without keyUsage may be used for anything (RFC 5280 §4.2.1.3).
  if ((X509_get_extension_flags(certificate) & EXFLAG_KUSAGE) == 0) return;
  if ((X509_get_key_usage(certificate) & KU_DIGITAL_SIGNATURE) != 0) return;
  throw Error(Errc::CertificateKeyUsage,
              "The certificate '" + subject + "' does not allow digitalSignature (keyUsage)",
              "Use the card's authentication certificate, not its signature or encryption "
              "certificate.");
}

}  // namespace

CertificateValidator::CertificateValidator(const TrustSettings& settings) {
  auto impl = std::make_shared<Impl>();
  impl->store.reset(X509_STORE_new());
  if (!impl->store) throw Error(Errc::Internal, "Cannot create an X509_STORE (out of memory)");
  for (const auto& file : settings.trustAnchors) {
    for (auto& anchor : detail::loadCertificates(file, "trust anchor")) {
      // X509_STORE_add_cert takes its own reference; a duplicate is harmless.
      if (X509_STORE_add_cert(impl->store.get(), anchor.get()) != 1) {
        ERR_clear_error();
        continue;
      }
      ++impl->anchorCount;
    }
  }
  for (const auto& file : settings.intermediates) {
    for (auto& certificate : detail::loadCertificates(file, "intermediate")) {
      impl->intermediates.push_back(std::move(certificate));
    }
  }
  for (const auto& file : settings.crls) {
    for (auto& crl : detail::loadCrls(file)) impl->crls.push_back(std::move(crl));
  }
  impl->constraints = detail::loadConstraints(settings);
  impl_ = std::move(impl);
}

bool CertificateValidator::hasTrustAnchors() const {
  return impl_ && impl_->anchorCount > 0;
}

bool CertificateValidator::restrictsIssuers() const {
  return impl_ && !impl_->constraints.issuers.empty();
}

ValidationResult CertificateValidator::validate(
    ByteView certificateDer, std::chrono::system_clock::time_point at,
    const std::vector<Bytes>& extraIntermediates) const {
  const auto certificate = detail::requireCertificate(certificateDer);
  ValidationResult result;
  result.subject = detail::nameText(X509_get_subject_name(certificate.get()));
  result.issuer = detail::nameText(X509_get_issuer_name(certificate.get()));
  result.notAfter = detail::timeText(X509_get0_notAfter(certificate.get()));
  if (!hasTrustAnchors()) {
    throw Error(Errc::CertificateUntrusted,
                "No trust anchors are configured, so the certificate '" + result.subject +
                    "' cannot be trusted",
                "Configure the CA certificates of the accepted practitioner cards as trust "
                "anchors (e.g. --ca FILE).");
  }

  std::vector<base::X509Handle> extras;
  for (std::size_t i = 0; i < extraIntermediates.size(); ++i) {
    auto extra = base::parseX509Der(extraIntermediates[i]);
    if (!extra) {
      throw Error(Errc::CertificateInvalid,
                  "Intermediate certificate " + std::to_string(i + 1) + " does not parse",
                  "Send the intermediate CA certificates as DER.");
    }
    extras.push_back(std::move(extra));
  }
  base::BorrowedX509Stack untrusted(sk_X509_new_null());
  if (!untrusted) throw Error(Errc::Internal, "Out of memory building a certificate chain");
  const std::vector<base::X509Handle>* const lists[] = {&impl_->intermediates, &extras};
  for (const auto* list : lists) {
    for (const auto& intermediate : *list) {
      if (sk_X509_push(untrusted.get(), intermediate.get()) <= 0) {
        throw Error(Errc::Internal, "Out of memory building a certificate chain");
      }
    }
  }
  // Only the end-entity certificate's issuer's CRLs: without one, revocation is
  // not checked (OpenSSL would otherwise fail with "unable to get CRL").
  base::BorrowedX509CrlStack crls(sk_X509_CRL_new_null());
  if (!crls) throw Error(Errc::Internal, "Out of memory building a certificate chain");
  for (const auto& crl : impl_->crls) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(certificate.get())) ==
        0) {
      sk_X509_CRL_push(crls.get(), crl.get());
    }
  }
  result.revocationChecked = sk_X509_CRL_num(crls.get()) > 0;

  base::X509StoreCtxHandle context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), impl_->store.get(), certificate.get(),
                                      untrusted.get()) != 1) {
    ERR_clear_error();
    throw Error(Errc::Internal, "Cannot set up certificate verification (OpenSSL)");
  }
  X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(parameters, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_PARTIAL_CHAIN);
  if (result.revocationChecked) {
    X509_STORE_CTX_set0_crls(context.get(), crls.get());
    X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_CRL_CHECK);
  }
  std::vector<Failure> failures;
  X509_STORE_CTX_set_app_data(context.get(), &failures);
  X509_STORE_CTX_set_verify_cb(context.get(), collectFailures);
  const int verified = X509_verify_cert(context.get());
  ERR_clear_error();
  if (!failures.empty()) {
    const auto worst =
        std::min_element(failures.begin(), failures.end(),
                         [](const Failure& a, const Failure& b) { return a.problem < b.problem; });
    throwFailure(*worst, detail::timeText(at));
  }
  if (verified != 1) {
    // Failed without calling back (e.g. out of memory): never accept.
    throwFailure(
        {Problem::Untrusted, X509_STORE_CTX_get_error(context.get()), 0, result.subject, {}, {}},
        detail::timeText(at));
  }
  checkKeyUsage(certificate.get(), result.subject);
  detail::checkConstraints(impl_->constraints, X509_STORE_CTX_get0_chain(context.get()),
                           result.subject);
  return result;
}

}  // namespace hcbridge::auth
