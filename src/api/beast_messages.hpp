// Conversions between Beast messages and the API's plain Request/Response.
#pragma once

#include <boost/beast/http.hpp>

#include "hcbridge/api/http_types.hpp"

namespace hcbridge::api::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

Request toApiRequest(const BeastRequest& request);
BeastResponse toBeastResponse(const Response& response, unsigned httpVersion, bool keepAlive);

}  // namespace hcbridge::api::detail
