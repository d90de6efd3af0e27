// hcbridge verify-token / verify-assertion: what a record server does with
// the tokens hcbridge makes, for trying out a deployment's trust settings.
#include <nlohmann/json.hpp>
#include <ostream>

#include "command.hpp"
#include "hcbridge/auth/tokens.hpp"
#include "hcbridge/auth/verifier.hpp"
#include "hcbridge/error.hpp"
#include "trust_options.hpp"

namespace hcbridge::cli {
namespace {

using nlohmann::json;

json certificateJson(const auth::ValidationResult& certificate) {
  return {{"subject", certificate.subject},
          {"issuer", certificate.issuer},
          {"notAfter", certificate.notAfter},
          {"revocationChecked", certificate.revocationChecked}};
}

// From the certificate, never from the claims (docs/tokens.md).
json practitionerJson(const auth::PractitionerIdentity& practitioner) {
  return {{"idType", practitioner.idType}, {"id", practitioner.id}, {"name", practitioner.name}};
}

void printPractitioner(const auth::PractitionerIdentity& practitioner, std::ostream& out) {
  out << "practitioner: " << practitioner.idType << " " << practitioner.id << " ("
      << practitioner.name << ", from the certificate)\n";
}

void printCertificate(const auth::ValidationResult& certificate, std::ostream& out) {
  out << "subject:    " << certificate.subject << "\n"
      << "issuer:     " << certificate.issuer << "\n"
      << "not after:  " << certificate.notAfter << "\n"
      << "revocation: "
      << (certificate.revocationChecked ? "checked against the issuer's CRL"
                                        : "not checked (no CRL of the issuer given)")
      << "\n";
}

// Verification errors as JSON with --json; otherwise main() prints them.
template <typename Verify>
int runVerification(const po::variables_map& values, std::ostream& out, Verify verify) {
  if (!values.count("json")) return verify();
  try {
    return verify();
  } catch (const Error& error) {
    out << json{{"valid", false},
                {"error", std::string(error.id())},
                {"message", error.what()},
                {"hint", error.hint()}}
               .dump(2)
        << "\n";
    return error.code() == Errc::BadRequest ? kExitUsage : kExitFailure;
  }
}

int runVerifyToken(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("token", po::value<std::string>()->required(),
                        "the Web eID token (JSON) file, - for standard input")(
      "origin", po::value<std::string>()->required(), "the origin the token must be made for")(
      "nonce", po::value<std::string>()->required(), "the challenge nonce the server issued");
  addVerifyOptions(options);
  po::variables_map values;
  const Usage usage{
      "hcbridge verify-token --token FILE|- --origin ORIGIN --nonce NONCE --ca PEM...\n"
      "       --issuer PEM... [--intermediate PEM]... [--crl FILE]... [--policy OID]...\n"
      "       [--eku OID]... [--at TIME] [--nonce-store FILE] [--json]",
      std::string("Verifies a Web eID authentication token as a record server does: format,\n"
                  "algorithm, the certificate (chain to a --ca, issued by an --issuer,\n"
                  "validity at --at or now, revocation, digitalSignature key usage, --policy,\n"
                  "--eku), the practitioner it names, the signature over the origin and nonce,\n"
                  "and single use of the nonce. Prints the practitioner, the certificate's\n"
                  "subject and issuer and \"valid\" (exit 0), or the error and what to do\n"
                  "(exit 1; 2 for a usage error such as no --issuer).\n\n") +
          kVerifyOptionsNote,
      "  hcbridge verify-token --token token.json --origin https://records.example.org \\\n"
      "      --nonce \"$NONCE\" --ca tests/pki/fixtures/root.cert.pem \\\n"
      "      --intermediate tests/pki/fixtures/intermediate.cert.pem \\\n"
      "      --issuer tests/pki/fixtures/intermediate.cert.pem \\\n"
      "      --policy 1.2.3.4.5.6.7.8.1 --eku 1.3.6.1.5.5.7.3.2 \\\n"
      "      --crl tests/pki/fixtures/intermediate.crl --at 2026-01-01T00:00:00Z\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  return runVerification(values, out, [&] {
    const auto validator = validatorFrom(values);
    const auto nonces = nonceStoreFrom(values);
    const std::string text = readInput(values["token"].as<std::string>());
    const json token = json::parse(text, nullptr, false);
    if (token.is_discarded()) {
      throw Error(Errc::TokenInvalid, "The token is not JSON",
                  "Pass the token exactly as the browser page received it.");
    }
    const auto verified =
        auth::verifyWebEidToken(token,
                                {values["origin"].as<std::string>(),
                                 values["nonce"].as<std::string>(), verificationTime(values)},
                                validator, *nonces);
    if (values.count("json")) {
      json result = certificateJson(verified.certificate);
      result["valid"] = true;
      result["practitioner"] = practitionerJson(verified.practitioner);
      result["algorithm"] = std::string(auth::jwsName(verified.algorithm));
      out << result.dump(2) << "\n";
    } else {
      printPractitioner(verified.practitioner, out);
      printCertificate(verified.certificate, out);
      out << "algorithm:  " << auth::jwsName(verified.algorithm) << "\nvalid\n";
    }
    return kExitOk;
  });
}

// A compact JWS file usually ends with a newline; the JWS itself has no spaces.
std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

int runVerifyAssertion(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description options("Options");
  options.add_options()("assertion", po::value<std::string>()->required(),
                        "the assertion (compact JWS) file, - for standard input")(
      "audience", po::value<std::string>()->required(), "this record server's identifier (aud)")(
      "nonce", po::value<std::string>(), "the nonce the server issued, checked when given")(
      "origin", po::value<std::string>(), "the origin the assertion must name, checked when given");
  addVerifyOptions(options);
  po::variables_map values;
  const Usage usage{
      "hcbridge verify-assertion --assertion FILE|- --audience AUD [--nonce N] [--origin O]\n"
      "       --ca PEM... --issuer PEM... [--intermediate PEM]... [--crl FILE]...\n"
      "       [--policy OID]... [--eku OID]... [--at TIME] [--nonce-store FILE] [--json]",
      std::string("Verifies a record-access assertion (a JWS of type hcbridge-record-access+jwt)\n"
                  "as a record server does: syntax, the x5c certificate (as for verify-token),\n"
                  "the signature, the claims (aud, iat/exp within 300 s and 30 s of clock skew,\n"
                  "nonce, origin, purpose), that the claims' sub and practitioner are the\n"
                  "certificate's (claims-mismatch), and single use of its nonce and jti. Prints\n"
                  "the practitioner (from the certificate), the certificate and the claims\n"
                  "(exit 0), or the error and what to do (exit 1; 2 for a usage error).\n\n") +
          kVerifyOptionsNote,
      "  hcbridge verify-assertion --assertion request.jws \\\n"
      "      --audience https://records.example.org/api --nonce \"$NONCE\" \\\n"
      "      --ca tests/pki/fixtures/root.cert.pem \\\n"
      "      --intermediate tests/pki/fixtures/intermediate.cert.pem \\\n"
      "      --issuer tests/pki/fixtures/intermediate.cert.pem --json\n"};
  if (!parseOptions(args, options, {}, usage, values, out)) return kExitOk;
  return runVerification(values, out, [&] {
    const auto validator = validatorFrom(values);
    const auto nonces = nonceStoreFrom(values);
    const std::string jws = trimmed(readInput(values["assertion"].as<std::string>()));
    auth::AssertionExpectations expect;
    expect.audience = values["audience"].as<std::string>();
    if (values.count("nonce")) expect.nonce = values["nonce"].as<std::string>();
    if (values.count("origin")) expect.origin = values["origin"].as<std::string>();
    expect.now = verificationTime(values);
    const auto verified = auth::verifyRecordAccessAssertion(jws, expect, validator, *nonces);
    if (values.count("json")) {
      out << json{{"valid", true},
                  {"practitioner", practitionerJson(verified.practitioner)},
                  {"certificate", certificateJson(verified.certificate)},
                  {"header", verified.header},
                  {"claims", verified.claims}}
                 .dump(2)
          << "\n";
    } else {
      printPractitioner(verified.practitioner, out);
      printCertificate(verified.certificate, out);
      out << "algorithm:  " << verified.header["alg"].get<std::string>() << "\nclaims:\n"
          << verified.claims.dump(2) << "\nvalid\n";
    }
    return kExitOk;
  });
}

}  // namespace

Command verifyTokenCommand() {
  return {"verify-token", "verify a Web eID authentication token", runVerifyToken};
}

Command verifyAssertionCommand() {
  return {"verify-assertion", "verify a record-access assertion (JWS)", runVerifyAssertion};
}

}  // namespace hcbridge::cli
