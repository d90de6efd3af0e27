// The JSON form of card models and of the Backend's results: one place for
// what the API answers and what `hcbridge read --json` prints.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "hcbridge/api/backend.hpp"
#include "hcbridge/audit_access.hpp"
#include "hcbridge/card_model.hpp"

namespace hcbridge::api {

nlohmann::json toJson(const PatientCard& card);
nlohmann::json toJson(const PractitionerCard& card);
nlohmann::json toJson(const CardModel& model);
nlohmann::json toJson(const PinStatus& status);

// A card read: the card, plus "authenticity" for a patient card.
nlohmann::json toJson(const CardRead& read);
nlohmann::json toJson(const PatientAuthenticity& authenticity);
nlohmann::json toJson(const ServiceStatus& status);
// The practitioner as a session shows it: names, profession, the typed
// professional id; never the certificates.
nlohmann::json practitionerIdentityJson(const PractitionerCard& card);
nlohmann::json toJson(const SessionOpened& session);
// {"type": "card.inserted", "data": {...}}
nlohmann::json toJson(const ServiceEvent& event);
// One line of the patient's view: when, which app, which practitioner, what, why.
nlohmann::json toJson(const AuditAccess& access);

}  // namespace hcbridge::api
