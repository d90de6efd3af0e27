#include "hcbridge/api/model_json.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "hcbridge/base/utc_time.hpp"
#include "hcbridge/bytes.hpp"

namespace hcbridge::api {
namespace {

using nlohmann::json;

template <typename T>
void putOptional(json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

void putNonEmpty(json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

json toJson(const PostalAddress& a) {
  json out = json::object();
  putNonEmpty(out, "street", a.street);
  putNonEmpty(out, "houseNumber", a.houseNumber);
  putNonEmpty(out, "addition", a.addition);
  putNonEmpty(out, "postBox", a.postBox);
  putNonEmpty(out, "postalCode", a.postalCode);
  putNonEmpty(out, "city", a.city);
  putNonEmpty(out, "country", a.country);
  return out;
}

json toJson(const Person& p) {
  json out = {{"surname", p.surname}, {"givenNames", p.givenNames}, {"birthDate", p.birthDate}};
  putOptional(out, "sex", p.sex);
  putNonEmpty(out, "title", p.title);
  putNonEmpty(out, "namePrefix", p.namePrefix);
  putNonEmpty(out, "nameSuffix", p.nameSuffix);
  if (p.nir) {
    // The card's NIR serves reimbursement; it is not a qualified INS.
    out["nir"] = {{"value", p.nir->value}, {"keyValid", p.nir->keyValid}, {"source", "card"}};
  }
  putOptional(out, "rank", p.rank);
  putOptional(out, "relationship", p.relationship);
  if (p.address) out["address"] = toJson(*p.address);
  return out;
}

json toJson(const Insurer& i) {
  json out = {{"name", i.name}, {"code", i.code}};
  putNonEmpty(out, "countryCode", i.countryCode);
  return out;
}

}  // namespace

json toJson(const PatientCard& card) {
  json people = json::array();
  for (const auto& person : card.beneficiaries) people.push_back(toJson(person));
  json out = {{"kind", "patient"},
              {"cardType", card.cardType},
              {"generation", card.generation},
              {"cardSerial", card.cardSerial},
              {"beneficiaries", people},
              {"insurer", toJson(card.insurer)},
              {"coverageStart", card.coverageStart},
              {"coverageEnd", card.coverageEnd},
              {"warnings", card.warnings}};
  if (!card.inventedFields.empty()) out["inventedFields"] = card.inventedFields;
  if (card.egk) {
    const auto& e = *card.egk;
    out["egk"] = {{"insuranceNumber", e.insuranceNumber},
                  {"insuredType", e.insuredType},
                  {"wop", e.wop},
                  {"billingInsurer", toJson(e.billingInsurer)},
                  {"cdmVersion", e.cdmVersion},
                  {"statusVd",
                   {{"updateInProgress", e.statusVd.updateInProgress},
                    {"lastUpdateUtc", e.statusVd.lastUpdateUtc},
                    {"schemaVersion", e.statusVd.schemaVersion},
                    {"structureVersion", e.statusVd.structureVersion}}}};
  }
  return out;
}

json toJson(const PractitionerCard& card) {
  json certificates = json::array();
  for (const auto& c : card.certificates) {
    certificates.push_back({{"label", c.label}, {"der", toHex(c.der)}});
  }
  json out = {{"kind", "practitioner"},        {"cardType", card.cardType},
              {"generation", card.generation}, {"cardSerial", card.cardSerial},
              {"surname", card.surname},       {"givenNames", card.givenNames},
              {"certificates", certificates}};
  putNonEmpty(out, "title", card.title);
  putNonEmpty(out, "profession", card.profession);
  putNonEmpty(out, "professionCode", card.professionCode);
  putNonEmpty(out, "nationalId", card.nationalId);
  putNonEmpty(out, "registrationNumber", card.registrationNumber);
  putNonEmpty(out, "telematikId", card.telematikId);
  return out;
}

json toJson(const CardModel& model) {
  return std::visit([](const auto& card) { return toJson(card); }, model);
}

json toJson(const PinStatus& s) {
  return {{"triesLeft", s.triesLeft},
          {"maxTries", s.maxTries},
          {"blocked", s.blocked},
          {"verified", s.verified},
          {"state", s.state}};
}

json toJson(const PatientAuthenticity& authenticity) {
  const char* status = authenticity.status == PatientAuthenticity::Status::Verified ? "verified"
                       : authenticity.status == PatientAuthenticity::Status::Failed ? "failed"
                                                                                    : "unverified";
  json out = {{"status", status}, {"reason", authenticity.reason}};
  putNonEmpty(out, "method", authenticity.method);
  return out;
}

json toJson(const CardRead& read) {
  if (!read.card) throw std::logic_error("a card read without its card");
  json out = toJson(*read.card);
  if (read.authenticity) out["authenticity"] = toJson(*read.authenticity);
  return out;
}

json toJson(const ServiceStatus& status) {
  return {{"version", status.version},
          {"transport", status.transport},
          {"transportState", status.transportUp ? "up" : "lost"},
          {"readers", status.readers}};
}

json practitionerIdentityJson(const PractitionerCard& card) {
  json identity = {
      {"cardType", card.cardType}, {"surname", card.surname}, {"givenNames", card.givenNames}};
  putNonEmpty(identity, "title", card.title);
  putNonEmpty(identity, "profession", card.profession);
  putNonEmpty(identity, "professionCode", card.professionCode);
  if (card.professionalId) {
    identity["idType"] = card.professionalId->idType;
    identity["id"] = card.professionalId->id;
    // The card's national id in full when the professional id is only part of it.
    if (!card.nationalId.empty() && card.nationalId != card.professionalId->id) {
      identity["nationalId"] = card.nationalId;
    }
  }
  return identity;
}

json toJson(const SessionOpened& session) {
  return {{"practitioner", practitionerIdentityJson(session.practitioner)},
          {"reader", session.reader},
          {"algorithm", session.algorithm},
          {"certificate",
           {{"subject", session.certificate.subject},
            {"issuer", session.certificate.issuer},
            {"notAfter", session.certificate.notAfter},
            {"revocationChecked", session.certificate.revocationChecked}}},
          {"openedAt", base::utcSecondsText(session.openedAt)},
          {"idleTimeoutSeconds", session.idleTimeout.count()},
          {"sessionToken", session.sessionToken}};
}

json toJson(const ServiceEvent& event) {
  using Type = ServiceEvent::Type;
  json data = json::object();
  if (event.type != Type::ServiceLost && event.type != Type::ServiceRestored) {
    data["reader"] = event.reader;
  }
  if (event.type == Type::CardInserted) data["cardType"] = event.cardType;
  if (event.type == Type::SessionOpened && event.idleTimeout) {
    data["idleTimeoutSeconds"] = event.idleTimeout->count();
  }
  if (event.type == Type::SessionClosed) data["reason"] = event.reason;
  return {{"type", eventTypeName(event.type)}, {"data", std::move(data)}};
}

json toJson(const AuditAccess& access) {
  const auto orNull = [](const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
  };
  return {{"time", access.time},
          {"action", access.action},
          {"caller", access.caller},
          {"practitioner", orNull(access.practitioner)},
          {"fields", access.fields},
          {"outcome", access.outcome},
          {"purpose", orNull(access.purpose)},
          {"justification", orNull(access.justification)}};
}

}  // namespace hcbridge::api
