#include "beast_messages.hpp"

namespace hcbridge::api::detail {

Request toApiRequest(const BeastRequest& request) {
  Request out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body.assign(request.body().data(), request.body().size());
  return out;
}

}  // namespace hcbridge::api::detail
