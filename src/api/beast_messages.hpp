// A Beast request as the API's plain Request (answers are written by
// response_wire.hpp).
#pragma once

#include <boost/beast/http.hpp>

#include "hcbridge/api/http_types.hpp"
#include "wiped_memory.hpp"

namespace hcbridge::api::detail {

// The body may hold a PIN: its storage is wiped whenever it is freed.
using BeastRequest = boost::beast::http::request<WipedStringBody>;

Request toApiRequest(const BeastRequest& request);

}  // namespace hcbridge::api::detail
