// Conversions between Beast messages and the API's plain Request/Response.
#pragma once

#include <boost/beast/http.hpp>

#include "hcbridge/api/http_types.hpp"
#include "wiped_memory.hpp"

namespace hcbridge::api::detail {

// The body may hold a PIN: its storage is wiped whenever it is freed.
using BeastRequest = boost::beast::http::request<WipedStringBody>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

Request toApiRequest(const BeastRequest& request);
BeastResponse toBeastResponse(const Response& response, unsigned httpVersion, bool keepAlive);

}  // namespace hcbridge::api::detail
