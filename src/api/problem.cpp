#include "hcbridge/api/problem.hpp"

#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace hcbridge::api {
namespace {

std::string_view titleOf(ApiProblem problem) {
  switch (problem) {
    case ApiProblem::HostForbidden:
      return "Host not allowed";
    case ApiProblem::OriginForbidden:
      return "Origin not allowed";
    case ApiProblem::AppKeyRequired:
      return "Application key required";
    case ApiProblem::AppKeyInvalid:
      return "Application key not valid";
    case ApiProblem::PractitionerSessionRequired:
      return "Practitioner session required";
    case ApiProblem::RequestTooLarge:
      return "Request too large";
    case ApiProblem::HeadersTooLarge:
      return "Request headers too large";
    case ApiProblem::NotFound:
      return "Not found";
    case ApiProblem::MethodNotAllowed:
      return "Method not allowed";
    case ApiProblem::TooManyConnections:
      return "Too many connections";
  }
  return "Error";
}

std::string_view titleOf(Errc code) {
  switch (code) {
    case Errc::PcscUnavailable:
      return "Smart-card service unavailable";
    case Errc::NoReaders:
      return "No card reader";
    case Errc::ReaderNotFound:
      return "Reader not found";
    case Errc::ReaderRemoved:
      return "Reader removed";
    case Errc::CardAbsent:
      return "No card in the reader";
    case Errc::CardRemoved:
      return "Card removed during the operation";
    case Errc::CardUnresponsive:
      return "Card does not answer";
    case Errc::ReaderBusy:
      return "Reader busy";
    case Errc::Timeout:
      return "Timed out";
    case Errc::Cancelled:
      return "Cancelled";
    case Errc::ApduInvalid:
    case Errc::TlvInvalid:
    case Errc::AtrInvalid:
    case Errc::CardDataInvalid:
      return "Card data not readable";
    case Errc::CardUnsupported:
      return "Card not supported";
    case Errc::OperationUnsupported:
      return "Operation not supported by this card";
    case Errc::PinIncorrect:
      return "PIN incorrect";
    case Errc::PinBlocked:
      return "PIN blocked";
    case Errc::PinRequired:
      return "PIN verification required";
    case Errc::ProfileInvalid:
      return "Simulator profile invalid";
    case Errc::ConnectionFailed:
      return "Connection failed";
    case Errc::BadRequest:
      return "Bad request";
    case Errc::PinLastTry:
      return "Last PIN try: confirmation required";
    case Errc::SessionRequired:
      return "Practitioner session required";
    case Errc::CertificateInvalid:
      return "Certificate not readable";
    case Errc::CertificateUntrusted:
      return "Certificate not trusted";
    case Errc::CertificateExpired:
      return "Certificate expired or not yet valid";
    case Errc::CertificateRevoked:
      return "Certificate revoked";
    case Errc::CertificateKeyUsage:
      return "Certificate not for authentication";
    case Errc::CardSignatureInvalid:
      return "Card signature does not verify";
    case Errc::NonceInvalid:
      return "Nonce not valid";
    case Errc::OriginInvalid:
      return "Origin not valid";
    case Errc::PurposeInvalid:
      return "Purpose not valid";
    case Errc::JustificationRequired:
      return "Justification required";
    case Errc::TokenInvalid:
      return "Token not valid";
    case Errc::TokenExpired:
      return "Token expired";
    case Errc::OriginMismatch:
      return "Token made for another origin";
    case Errc::AudienceMismatch:
      return "Assertion made for another audience";
    case Errc::NonceMismatch:
      return "Nonce does not match";
    case Errc::NonceReplayed:
      return "Nonce already used";
    case Errc::Internal:
      return "Internal error";
  }
  return "Internal error";
}

}  // namespace

std::string_view apiProblemId(ApiProblem problem) {
  switch (problem) {
    case ApiProblem::HostForbidden:
      return "host-forbidden";
    case ApiProblem::OriginForbidden:
      return "origin-forbidden";
    case ApiProblem::AppKeyRequired:
      return "app-key-required";
    case ApiProblem::AppKeyInvalid:
      return "app-key-invalid";
    case ApiProblem::PractitionerSessionRequired:
      return "practitioner-session-required";
    case ApiProblem::RequestTooLarge:
      return "request-too-large";
    case ApiProblem::HeadersTooLarge:
      return "headers-too-large";
    case ApiProblem::NotFound:
      return "not-found";
    case ApiProblem::MethodNotAllowed:
      return "method-not-allowed";
    case ApiProblem::TooManyConnections:
      return "too-many-connections";
  }
  return "internal";
}

int httpStatus(ApiProblem problem) {
  switch (problem) {
    case ApiProblem::HostForbidden:
    case ApiProblem::OriginForbidden:
    case ApiProblem::PractitionerSessionRequired:
      return 403;
    case ApiProblem::AppKeyRequired:
    case ApiProblem::AppKeyInvalid:
      return 401;
    case ApiProblem::RequestTooLarge:
      return 413;
    case ApiProblem::HeadersTooLarge:
      return 431;
    case ApiProblem::NotFound:
      return 404;
    case ApiProblem::MethodNotAllowed:
      return 405;
    case ApiProblem::TooManyConnections:
      return 503;
  }
  return 500;
}

// 409: the request is fine but the readers/cards are not in a state to
// serve it (the user acts: insert, wait, retry). 502: the card answered
// nonsense. 503/504: the PC/SC side is down or slow.
int httpStatus(Errc code) {
  switch (code) {
    case Errc::PcscUnavailable:
    case Errc::NoReaders:
    case Errc::Cancelled:
      return 503;
    case Errc::ReaderNotFound:
      return 404;
    case Errc::ReaderRemoved:
    case Errc::CardAbsent:
    case Errc::CardRemoved:
    case Errc::ReaderBusy:
    case Errc::CardUnsupported:
    case Errc::OperationUnsupported:
      return 409;
    case Errc::CardUnresponsive:
    case Errc::ApduInvalid:
    case Errc::TlvInvalid:
    case Errc::AtrInvalid:
    case Errc::CardDataInvalid:
    case Errc::ConnectionFailed:
      return 502;
    case Errc::Timeout:
      return 504;
    case Errc::PinIncorrect:
    case Errc::PinBlocked:
    case Errc::PinRequired:
      return 403;
    case Errc::BadRequest:
    case Errc::NonceInvalid:
    case Errc::OriginInvalid:
    case Errc::PurposeInvalid:
    case Errc::JustificationRequired:
    case Errc::TokenInvalid:
    case Errc::TokenExpired:
    case Errc::OriginMismatch:
    case Errc::AudienceMismatch:
    case Errc::NonceMismatch:
    case Errc::NonceReplayed:
      return 400;
    case Errc::PinLastTry:
      return 428;
    case Errc::SessionRequired:
    case Errc::CertificateInvalid:
    case Errc::CertificateUntrusted:
    case Errc::CertificateExpired:
    case Errc::CertificateRevoked:
    case Errc::CertificateKeyUsage:
    case Errc::CardSignatureInvalid:
      return 403;
    case Errc::ProfileInvalid:
    case Errc::Internal:
      return 500;
  }
  return 500;
}

Problem Problem::of(ApiProblem problem, std::string detail) {
  return {httpStatus(problem), std::string(apiProblemId(problem)), std::string(titleOf(problem)),
          std::move(detail), std::nullopt};
}

Problem Problem::of(Errc code, std::string detail) {
  return {httpStatus(code), std::string(errcId(code)), std::string(titleOf(code)),
          std::move(detail), std::nullopt};
}

Problem Problem::fromException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const PinError& e) {
    Problem problem = of(e.code(), e.hint().empty() ? e.what() : e.what() + (". " + e.hint()));
    problem.retriesLeft = e.retriesLeft();
    return problem;
  } catch (const Error& e) {
    return of(e.code(), e.hint().empty() ? e.what() : e.what() + (". " + e.hint()));
  } catch (...) {
    return of(Errc::Internal, "unexpected failure in the service; see the service log");
  }
}

std::string Problem::typeUri() const {
  return std::string(kProblemTypeBase) + id;
}

std::string Problem::toJson() const {
  nlohmann::json body = {
      {"type", typeUri()}, {"code", id}, {"title", title}, {"status", status}, {"detail", detail}};
  if (retriesLeft) body["retriesLeft"] = *retriesLeft;
  return jsonText(body);
}

Response Problem::toResponse() const {
  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", std::string(kProblemContentType)});
  response.body = toJson();
  return response;
}

}  // namespace hcbridge::api
