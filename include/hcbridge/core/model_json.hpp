// JSON form of the card models, shared by the CLI (--json) and the API.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "hcbridge/card_model.hpp"

namespace hcbridge::core {

nlohmann::json toJson(const PatientCard& card);
nlohmann::json toJson(const PractitionerCard& card);
nlohmann::json toJson(const CardModel& model);
nlohmann::json toJson(const PinStatus& status);

}  // namespace hcbridge::core
