#include "hcbridge/api/router.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>

#include "hcbridge/api/model_json.hpp"
#include "hcbridge/api/problem.hpp"
#include "hcbridge/error.hpp"
#include "json_text.hpp"
#include "pin_field.hpp"
#include "rendered_reads.hpp"
#include "target.hpp"

extern const std::string_view hcbridge_api_openapi;

namespace hcbridge::api {
namespace {

using nlohmann::json;

constexpr std::string_view kPatientCardAction = "patient-card.read";

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Refuses parameters the endpoint does not know, so a typo is not silently ignored.
void requireOnly(const Target& target, std::vector<std::string> known) {
  for (const auto& [name, value] : target.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw Error(Errc::BadRequest,
                  "unknown query parameter '" + name + "' for " + target.path +
                      "; valid: " + (known.empty() ? std::string("none") : joined(known)));
    }
  }
}

std::vector<std::string> splitFields(const std::string& text) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string field = text.substr(start, comma - start);
    if (field.empty()) {
      throw Error(Errc::BadRequest, "fields must be a comma-separated list of field names",
                  "e.g. fields=beneficiaries,insurer");
    }
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

std::vector<std::string> topLevelKeys(const json& card) {
  std::vector<std::string> keys;
  if (!card.is_object()) return keys;
  for (const auto& item : card.items()) keys.push_back(item.key());
  return keys;
}

// The card reduced to the requested top-level fields (all when none asked).
json selectFields(const json& card, const std::optional<std::vector<std::string>>& wanted) {
  if (!wanted) return card;
  const std::vector<std::string> valid = topLevelKeys(card);
  json out = json::object();
  for (const auto& field : *wanted) {
    if (std::find(valid.begin(), valid.end(), field) == valid.end()) {
      throw Error(Errc::BadRequest,
                  "unknown field '" + field + "'; valid fields of this card: " + joined(valid));
    }
    out[field] = card.at(field);
  }
  return out;
}

// What tells field selections apart for RenderedReads: field names are
// never empty and never hold a comma (splitFields), so this is one-to-one.
std::string selectionKey(const std::optional<std::vector<std::string>>& wanted) {
  if (!wanted) return "all";
  std::string key = "only:";
  for (const auto& field : *wanted) key += field + ",";
  return key;
}

std::string readersJson(const std::vector<ReaderView>& readers) {
  json list = json::array();
  for (const auto& reader : readers) {
    list.push_back({{"name", reader.name},
                    {"cardPresent", reader.cardPresent},
                    {"cardType", reader.cardType.empty() ? json(nullptr) : json(reader.cardType)}});
  }
  return jsonText({{"readers", list}});
}

// Runs a backend card read, turning a synchronous throw into the same
// completion path as an asynchronous failure.
template <typename Read>
void startRead(Read read, std::optional<std::string> reader, CardReadHandler done) {
  struct Once {
    CardReadHandler done;
    std::atomic<bool> called{false};
    void operator()(std::exception_ptr error, CardRead result) {
      if (!called.exchange(true)) done(error, std::move(result));
    }
  };
  auto once = std::make_shared<Once>();
  once->done = std::move(done);
  try {
    read(std::move(reader),
         [once](std::exception_ptr error, CardRead result) { (*once)(error, std::move(result)); });
  } catch (...) {
    (*once)(std::current_exception(), CardRead{});
  }
}

}  // namespace

std::string_view openApiDocument() {
  return hcbridge_api_openapi;
}

Router::Router(Backend& backend, const Policy& policy, AuditSink audit, AccessHistory history)
    : backend_(backend),
      requirePractitionerSession_(policy.requirePractitionerSession),
      limits_(policy.limits),
      appOrigins_(policy.appOrigins),
      audit_(std::move(audit)),
      history_(std::move(history)),
      rendered_(std::make_shared<RenderedReads>()) {
  // A pulled card's data must not stay in memory until its reader is read again.
  cardEvents_ = backend_.subscribe([rendered = rendered_](const ServiceEvent& event) {
    switch (event.type) {
      case ServiceEvent::Type::CardInserted:
        rendered->cardInserted(event.reader);
        break;
      case ServiceEvent::Type::CardRemoved:
      case ServiceEvent::Type::ReaderRemoved:
        rendered->forget(event.reader);
        break;
      case ServiceEvent::Type::ServiceLost:
        rendered->forgetAll();
        break;
      default:
        break;
    }
  });
}

std::size_t Router::keptCardBodies() const {
  return rendered_->size();
}

void Router::route(const Request& request, const Caller& caller, ResponseHandler done) {
  struct Endpoint {
    std::string_view path;
    std::string_view methods;  // as in the Allow header
  };
  static constexpr std::array<Endpoint, 10> kEndpoints = {{
      {"/v1/status", "GET"},
      {"/v1/readers", "GET"},
      {"/v1/patient-card", "GET"},
      {"/v1/patient-card/accesses", "GET"},
      {"/v1/practitioner-card", "GET"},
      {"/v1/openapi.json", "GET"},
      {"/v1/events", "GET"},
      {"/v1/practitioner/session", "POST, DELETE"},
      {"/v1/practitioner/authenticate", "POST"},
      {"/v1/record-access", "POST"},
  }};
  try {
    const std::string path = request.target.substr(0, request.target.find('?'));
    const auto endpoint = std::find_if(kEndpoints.begin(), kEndpoints.end(),
                                       [&](const Endpoint& e) { return e.path == path; });
    if (endpoint == kEndpoints.end()) {
      parseTarget(request.target);  // a malformed target is a bad request, not a missing one
      done(Problem::of(ApiProblem::NotFound,
                       "no endpoint " + path + "; the endpoints are listed in /v1/openapi.json")
               .toResponse());
      return;
    }
    const std::string_view methods = endpoint->methods;
    bool allowed = false;
    for (std::size_t start = 0; start < methods.size();) {
      const std::size_t comma = std::min(methods.find(',', start), methods.size());
      allowed = allowed || methods.substr(start, comma - start) == request.method;
      start = comma + 2;
    }
    if (!allowed) {
      Response refused = Problem::of(ApiProblem::MethodNotAllowed,
                                     path + " accepts " + std::string(methods) + " only")
                             .toResponse();
      refused.headers.push_back({"Allow", std::string(methods)});
      done(std::move(refused));
      return;
    }
    // The patient card parses its own query, so even a malformed one is audited.
    if (path == "/v1/patient-card") return patientCard(request, caller, std::move(done));
    if (path == "/v1/patient-card/accesses") {
      return patientCardAccesses(request, caller, std::move(done));
    }
    if (path == "/v1/practitioner-card") return practitionerCard(request, std::move(done));
    const Target target = parseTarget(request.target);
    requireOnly(target, {});
    // Parsed once, here: also a body sent where none is expected must be sound JSON.
    // The PIN is taken out of the raw text before the JSON parser sees it (pin_field.hpp).
    BodyWithPin body = parseBodyTakingPin(request.body, limits_);
    const bool takesPin = request.method == "POST" &&
                          (path == "/v1/practitioner/session" || path == "/v1/record-access");
    if (!takesPin) body.takePin();  // a malformed 'pin' is a bad request everywhere
    if (path == "/v1/practitioner/session") {
      if (request.method == "DELETE") {
        return closeSession(sessionClaim(request, caller), caller, std::move(done));
      }
      return openSession(body, caller, std::move(done));
    }
    if (path == "/v1/practitioner/authenticate") {
      return authenticate(body.json, sessionClaim(request, caller), caller, std::move(done));
    }
    if (path == "/v1/record-access") {
      return recordAccess(body, sessionClaim(request, caller), caller, std::move(done));
    }
    if (path == "/v1/status") return done(jsonResponse(200, jsonText(toJson(backend_.status()))));
    if (path == "/v1/readers") return done(jsonResponse(200, readersBody(backend_.readers())));
    if (path == "/v1/openapi.json") return done(jsonResponse(200, std::string(openApiDocument())));
    throw Error(Errc::BadRequest, "/v1/events is a WebSocket endpoint",
                "open it with new WebSocket(\"ws://localhost:PORT/v1/events\")");
  } catch (...) {
    done(Problem::fromException(std::current_exception()).toResponse());
  }
}

std::string Router::readersBody(std::vector<ReaderView> readers) {
  std::lock_guard lock(readersCacheMutex_);
  if (readers != cachedReaders_ || cachedReadersBody_.empty()) {
    cachedReadersBody_ = readersJson(readers);
    cachedReaders_ = std::move(readers);
  }
  return cachedReadersBody_;
}

SessionClaim sessionClaim(const Request& request, const Caller& caller) {
  SessionClaim claim;
  claim.caller = {caller.identity(), caller.uid};
  // A repeated header counts as none: the claim then fails as session-not-yours.
  if (const auto token = singleHeader(request.headers, kSessionHeader)) claim.token = *token;
  return claim;
}

AuditSink::Async AuditSink::fromSync(Sync sink) {
  return [sink = std::move(sink)](const AuditEntry& entry, AuditWritten written) {
    sink(entry);  // throws when the line is not written: `written` is then not called
    written(nullptr);
  };
}

void answerAudited(const AuditSink& audit, const AuditEntry& entry, Response response,
                   const ResponseHandler& done) {
  if (!audit) return done(std::move(response));
  // No trace, no data: an access that cannot be audited is refused.
  const auto refusal = [] {
    return Problem::of(Errc::Internal,
                       "the access could not be written to the audit log, so nothing is "
                       "returned; see the service's log")
        .toResponse();
  };
  // The response waits, off any card's strand, until its line is durable.
  // One shared holder: the handler is copied once, not once per capture.
  struct Pending {
    Response response;
    ResponseHandler done;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(response), done});
  try {
    audit(entry, [pending, refusal](std::exception_ptr failure) {
      pending->done(failure ? refusal() : std::move(pending->response));
    });
  } catch (...) {
    done(refusal());
  }
}

void Router::patientCard(const Request& request, const Caller& caller, ResponseHandler done) {
  AuditEntry entry;
  entry.action = std::string(kPatientCardAction);
  entry.caller = caller.identity();
  // One place that answers and audits, whatever the outcome.
  auto finish = [audit = audit_, done = std::move(done)](const AuditEntry& line,
                                                         Response response) {
    answerAudited(audit, line, std::move(response), done);
  };
  std::optional<std::string> reader;
  std::optional<std::vector<std::string>> wanted;
  try {
    entry.practitioner = backend_.practitionerSession();
    const Target target = parseTarget(request.target);
    requireOnly(target, {"reader", "fields"});
    reader = target.param("reader");
    if (auto fields = target.param("fields")) wanted = splitFields(*fields);
    if (requirePractitionerSession_) {
      if (!entry.practitioner) {
        const Problem problem = Problem::of(
            ApiProblem::PractitionerSessionRequired,
            "patient data needs an open practitioner session; insert the practitioner card and "
            "open a session with POST /v1/practitioner/session");
        entry.outcome = problem.id;
        return finish(std::move(entry), problem.toResponse());
      }
      // The session's authority is its opener's alone.
      entry.practitioner = backend_.claimPractitionerSession(sessionClaim(request, caller));
    }
  } catch (...) {
    const Problem problem = Problem::fromException(std::current_exception());
    entry.outcome = problem.id;
    return finish(std::move(entry), problem.toResponse());
  }

  readPatientCard(std::move(reader), [entry = std::move(entry), wanted = std::move(wanted),
                                      finish = std::move(finish), rendered = rendered_,
                                      dropsBeforeRead = rendered_->dropCount()](
                                         std::exception_ptr error, CardRead read) mutable {
    if (error) {
      const Problem problem = Problem::fromException(error);
      entry.outcome = problem.id;
      return finish(std::move(entry), problem.toResponse());
    }
    entry.cardSerialHash = read.serialHash;
    try {
      const auto body = rendered->get(
          read, dropsBeforeRead, selectionKey(wanted), [&wanted](const CardRead& card) {
            json selected = selectFields(toJson(card), wanted);
            return RenderedRead{jsonText(selected), topLevelKeys(selected)};
          });
      entry.fields = body->fields;
      entry.outcome = "ok";
      finish(std::move(entry), jsonResponse(200, body->body));
    } catch (...) {
      const Problem problem = Problem::fromException(std::current_exception());
      entry.outcome = problem.id;
      finish(std::move(entry), problem.toResponse());
    }
  });
}

// The patient sees, with the practitioner, every access to this card's data
// recorded on this workstation. Found by the card's serial hash: the log
// itself holds no identity. Needs the session (its opener's) and the card.
void Router::patientCardAccesses(const Request& request, const Caller& caller,
                                 ResponseHandler done) {
  AuditEntry entry;
  entry.action = "patient-card.accesses";
  entry.caller = caller.identity();
  auto finish = [audit = audit_, done](const AuditEntry& line, Response response) {
    answerAudited(audit, line, std::move(response), done);
  };
  std::optional<std::string> reader;
  try {
    const Target target = parseTarget(request.target);
    requireOnly(target, {"reader"});
    reader = target.param("reader");
    if (!history_) {
      throw Error(Errc::OperationUnsupported, "this service keeps no audit log to show");
    }
    entry.practitioner = backend_.claimPractitionerSession(sessionClaim(request, caller));
  } catch (...) {
    const Problem problem = Problem::fromException(std::current_exception());
    entry.outcome = problem.id;
    return finish(std::move(entry), problem.toResponse());
  }
  readPatientCard(std::move(reader), [entry = std::move(entry), history = history_, finish](
                                         std::exception_ptr error, CardRead read) mutable {
    try {
      if (error) std::rethrow_exception(error);
      entry.cardSerialHash = read.serialHash;
      json list = json::array();
      for (const AuditAccess& access : history(read.serialHash)) list.push_back(toJson(access));
      entry.fields = {"accesses"};
      entry.outcome = "ok";
      finish(std::move(entry), jsonResponse(200, jsonText({{"reader", read.reader},
                                                           {"limit", kMaxCardAccesses},
                                                           {"accesses", std::move(list)}})));
    } catch (...) {
      const Problem problem = Problem::fromException(std::current_exception());
      entry.outcome = problem.id;
      finish(std::move(entry), problem.toResponse());
    }
  });
}

void Router::readPatientCard(std::optional<std::string> reader, CardReadHandler done) {
  startRead(
      [this](std::optional<std::string> name, CardReadHandler handler) {
        backend_.readPatientCard(std::move(name), std::move(handler));
      },
      std::move(reader), std::move(done));
}

void Router::practitionerCard(const Request& request, ResponseHandler done) {
  std::optional<std::string> reader;
  try {
    const Target target = parseTarget(request.target);
    requireOnly(target, {"reader"});
    reader = target.param("reader");
  } catch (...) {
    return done(Problem::fromException(std::current_exception()).toResponse());
  }
  startRead(
      [this](std::optional<std::string> name, CardReadHandler handler) {
        backend_.readPractitionerCard(std::move(name), std::move(handler));
      },
      std::move(reader),
      [done, rendered = rendered_, dropsBeforeRead = rendered_->dropCount()](
          std::exception_ptr error, CardRead read) {
        if (error) return done(Problem::fromException(error).toResponse());
        try {
          const auto card = rendered->get(read, dropsBeforeRead, selectionKey(std::nullopt),
                                          [](const CardRead& same) {
                                            return RenderedRead{jsonText(toJson(same)), {}};
                                          });
          done(jsonResponse(200, card->body));
        } catch (...) {
          done(Problem::fromException(std::current_exception()).toResponse());
        }
      });
}

}  // namespace hcbridge::api
