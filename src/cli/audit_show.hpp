// hcbridge audit show --reader N: the patient's view of the audit log.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hcbridge/audit_access.hpp"

namespace hcbridge::cli {

int runAuditShow(const std::vector<std::string>& args, std::ostream& out);

// The listing, as text for the patient or as JSON.
void printCardAccesses(std::ostream& out, std::string_view serialHash,
                       const std::vector<AuditAccess>& accesses, bool json);

}  // namespace hcbridge::cli
